"""The LMS's error family: every refusal names the field at fault and the reason."""

from cadence.kernel.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class LmsError(ApplicationError):
    """Input the LMS refuses (400)."""


class LmsNotFound(LmsError, NotFound):
    """A referenced user, course or enrollment does not exist (404)."""


class LmsConflict(LmsError, Conflict):
    """The request clashes with the current state: a reused key, a transition not allowed (409)."""


class LmsPermissionDenied(LmsError, PermissionDenied):
    """The person may not take this step (403)."""
