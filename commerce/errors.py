"""Commerce's error family: every refusal a commerce service raises is one of these."""

from __future__ import annotations

from cadence.kernel.errors import ApplicationError


class CommerceError(ApplicationError):
    """A commerce request refused; ``field`` names the input at fault."""


class CommerceNotFound(CommerceError):
    status_code = 404
    code = "not_found"


class CommerceConflict(CommerceError):
    status_code = 409
    code = "conflict"


class CommercePermissionDenied(CommerceError):
    status_code = 403
    code = "permission_denied"


class PaymentDeclined(CommerceError):
    status_code = 402
    code = "payment_declined"


class ProcessorUnavailable(CommerceError):
    status_code = 502
    code = "processor_unavailable"


class WebhookRejected(CommerceError):
    """A processor webhook whose signature, age or body we cannot trust."""

    code = "webhook_rejected"
