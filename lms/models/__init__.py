"""The LMS's tables: people and departments, courses and curriculum, enrollments."""

from lms.models.accounts import Department, User
from lms.models.courses import Course, CourseInstructor, Lesson, Module
from lms.models.enrollments import (
    Enrollment,
    EnrollmentApproval,
    EnrollmentInstructorChange,
    EnrollmentTransition,
)

__all__ = [
    "Course",
    "CourseInstructor",
    "Department",
    "Enrollment",
    "EnrollmentApproval",
    "EnrollmentInstructorChange",
    "EnrollmentTransition",
    "Lesson",
    "Module",
    "User",
]
