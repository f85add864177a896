"""Staff screens: people and departments, course authoring, enrollments and the approvals queue."""

from lms.admin import accounts, courses, enrollments, learning  # noqa: F401  (registers the admins)
