"""The LMS's writes: keyword-only functions, each in one transaction, raising ``lms.errors``."""

from lms.services.accounts import (
    roles_ensure,
    user_announce,
    user_profile_update,
    user_register,
)
from lms.services.courses import (
    course_archive,
    course_details_update,
    course_instructor_assign,
    course_publish,
)
from lms.services.enrollments import (
    AUTO_APPROVAL,
    enrollment_approve,
    enrollment_auto_approve,
    enrollment_cancel,
    enrollment_complete,
    enrollment_complete_once,
    enrollment_end_for_refund,
    enrollment_enroll,
    enrollment_instructor_assign,
    enrollment_reject,
    enrollment_request,
    enrollment_revoke,
    enrollment_start,
)

__all__ = [
    "AUTO_APPROVAL",
    "course_archive",
    "course_details_update",
    "course_instructor_assign",
    "course_publish",
    "enrollment_approve",
    "enrollment_auto_approve",
    "enrollment_cancel",
    "enrollment_complete",
    "enrollment_complete_once",
    "enrollment_end_for_refund",
    "enrollment_enroll",
    "enrollment_instructor_assign",
    "enrollment_reject",
    "enrollment_request",
    "enrollment_revoke",
    "enrollment_start",
    "roles_ensure",
    "user_announce",
    "user_profile_update",
    "user_register",
]
