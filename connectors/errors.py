"""The connectors' error family: what an outside system or a staff member is refused, and why."""

from __future__ import annotations

from cadence.kernel.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class ConnectorError(ApplicationError):
    """A connector request refused for its content."""


class ConnectorAuthenticationError(ConnectorError):
    """The caller could not be identified: missing, unknown or revoked key, or a bad signature."""

    status_code = 401
    code = "not_authenticated"


class ConnectorPermissionError(PermissionDenied, ConnectorError):
    """The caller is known, but its key lacks the scope the request needs."""


class ConnectorOwnershipError(PermissionDenied, ConnectorError):
    """The caller's key names an order, order item or enrollment its own system did not create."""


class ConnectorKeyNotFound(NotFound, ConnectorError):
    """No connector key has that name."""


class IdempotencyConflict(Conflict, ConnectorError):
    """A natural key already used with a different payload."""

    code = "idempotency_conflict"


class WebhookNotFound(NotFound, ConnectorError):
    """No webhook subscription, or no delivery of that subscription, has that id."""


class InboundRequestNotFound(NotFound, ConnectorError):
    """No request of the calling key has that id."""
