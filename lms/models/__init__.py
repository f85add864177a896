"""The LMS's tables: people and departments, courses and curriculum, enrollments."""

from lms.models.accounts import Department, SignUpRequest, User
from lms.models.courses import Course, CourseInstructor, Lesson, LessonResource, Module
from lms.models.enrollments import (
    Enrollment,
    EnrollmentApproval,
    EnrollmentInstructorChange,
    EnrollmentTransition,
)
from lms.models.learning import (
    Attendance,
    Certificate,
    Interaction,
    LessonCompletion,
    Post,
    Submission,
    Thread,
)

__all__ = [
    "Attendance",
    "Certificate",
    "Course",
    "CourseInstructor",
    "Department",
    "Enrollment",
    "EnrollmentApproval",
    "EnrollmentInstructorChange",
    "EnrollmentTransition",
    "Interaction",
    "Lesson",
    "LessonCompletion",
    "LessonResource",
    "Module",
    "Post",
    "SignUpRequest",
    "Submission",
    "Thread",
    "User",
]
