"""Facts the LMS publishes (see README.md). Declared here, published by services."""

from cadence.kernel.events import DomainEvent
from lms.data import (
    CourseSynced,
    EnrollmentApproved,
    EnrollmentCompleted,
    EnrollmentEnded,
    EnrollmentInstructorAssigned,
    EnrollmentRejected,
    EnrollmentRequested,
    EnrollmentStarted,
    InstructorInteractionRecorded,
    OrderEnrollmentsRequested,
    UserSynced,
)

user_created = DomainEvent("cadence.lms.user.created.v1", UserSynced)
user_updated = DomainEvent("cadence.lms.user.updated.v1", UserSynced)

course_published = DomainEvent("cadence.lms.course.published.v1", CourseSynced)
course_updated = DomainEvent("cadence.lms.course.updated.v1", CourseSynced)

enrollment_requested = DomainEvent("cadence.lms.enrollment.requested.v1", EnrollmentRequested)
# The new enrollments of one order, made together (each as its own enrollment.requested inside).
order_enrollments_requested = DomainEvent(
    "cadence.lms.order_enrollments.requested.v1", OrderEnrollmentsRequested
)
enrollment_approved = DomainEvent("cadence.lms.enrollment.approved.v1", EnrollmentApproved)
enrollment_rejected = DomainEvent("cadence.lms.enrollment.rejected.v1", EnrollmentRejected)
enrollment_started = DomainEvent("cadence.lms.enrollment.started.v1", EnrollmentStarted)
enrollment_completed = DomainEvent("cadence.lms.enrollment.completed.v1", EnrollmentCompleted)
enrollment_cancelled = DomainEvent("cadence.lms.enrollment.cancelled.v1", EnrollmentEnded)
enrollment_revoked = DomainEvent("cadence.lms.enrollment.revoked.v1", EnrollmentEnded)
enrollment_instructor_assigned = DomainEvent(
    "cadence.lms.enrollment.instructor_assigned.v1", EnrollmentInstructorAssigned
)

instructor_interaction_recorded = DomainEvent(
    "cadence.lms.instructor.interaction_recorded.v1", InstructorInteractionRecorded
)
