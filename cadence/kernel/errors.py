"""The root of every context's error family.

A service raises an ``ApplicationError`` subclass; the API maps it once to an HTTP response whose
body names the field and the reason. Nothing is written when one is raised inside a service's
transaction.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the domain refuses. ``field`` names the input at fault, where there is one."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    """The request clashes with what already exists (an idempotency key reused differently)."""

    status_code = 409
    code = "conflict"


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"
