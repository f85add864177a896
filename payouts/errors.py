"""Payouts' error family: every refusal names the field at fault and the reason."""

from cadence.kernel.errors import ApplicationError


class PayoutsError(ApplicationError):
    """A payouts request that cannot be carried out as given; nothing was written."""


class PayoutsConflict(PayoutsError):
    """The fact clashes with one already recorded under the same key."""

    status_code = 409
    code = "conflict"


class PayoutsNotFound(PayoutsError):
    status_code = 404
    code = "not_found"
