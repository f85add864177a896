"""Staff screens: people and departments, course authoring, enrollments and the approvals queue."""

from lms.admin import accounts, courses, enrollments  # noqa: F401  (registers the admins)
