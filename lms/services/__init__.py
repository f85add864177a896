"""The LMS's writes: keyword-only functions, each in one transaction, raising ``lms.errors``."""

from lms.services.accounts import (
    roles_ensure,
    user_announce,
    user_profile_update,
    user_register,
    user_sign_up_confirm,
    user_sign_up_request,
)
from lms.services.certificates import certificate_issue, certificate_revoke
from lms.services.courses import (
    course_archive,
    course_catalogue_refresh,
    course_details_update,
    course_instructor_assign,
    course_publish,
    courses_of_person_refresh,
)
from lms.services.discussions import teaches, thread_reply, thread_start
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
    enrollment_requests,
    enrollment_revoke,
    enrollment_start,
)
from lms.services.interactions import interaction_record
from lms.services.learning import (
    enrollment_final_grade_set,
    lesson_complete,
    lesson_opened,
    live_session_check_in,
    may_grade,
    submission_grade,
    submission_submit,
)
from lms.services.live_sessions import AttendanceImport, attendance_import, attendance_record
from lms.services.submission_files import submission_files_sweep

__all__ = [
    "AUTO_APPROVAL",
    "AttendanceImport",
    "attendance_import",
    "attendance_record",
    "certificate_issue",
    "certificate_revoke",
    "course_archive",
    "course_catalogue_refresh",
    "course_details_update",
    "course_instructor_assign",
    "course_publish",
    "courses_of_person_refresh",
    "enrollment_approve",
    "enrollment_auto_approve",
    "enrollment_cancel",
    "enrollment_complete",
    "enrollment_complete_once",
    "enrollment_end_for_refund",
    "enrollment_enroll",
    "enrollment_final_grade_set",
    "enrollment_instructor_assign",
    "enrollment_reject",
    "enrollment_request",
    "enrollment_requests",
    "enrollment_revoke",
    "enrollment_start",
    "interaction_record",
    "lesson_complete",
    "lesson_opened",
    "live_session_check_in",
    "may_grade",
    "roles_ensure",
    "submission_files_sweep",
    "submission_grade",
    "submission_submit",
    "teaches",
    "thread_reply",
    "thread_start",
    "user_announce",
    "user_profile_update",
    "user_register",
    "user_sign_up_confirm",
    "user_sign_up_request",
]
