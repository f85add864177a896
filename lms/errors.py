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


# The codes of the enrollment refusals that asking again will not change: the request names a real
# course and a real person, but the course is not on offer (draft or archived) or the account was
# deactivated. Whoever asked on a learner's behalf (commerce, after a payment) can act on them at
# once; every other refusal may be an ordering or configuration problem worth retrying.
COURSE_UNAVAILABLE = "unavailable"
ACCOUNT_DEACTIVATED = "deactivated"
ENROLLMENT_REFUSED_FOR_GOOD = frozenset({COURSE_UNAVAILABLE, ACCOUNT_DEACTIVATED})
