"""Payouts' settings with their defaults; each can be overridden in Django settings."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from cadence.kernel.money import Money, money_table


def hold_period() -> timedelta:
    """Confirmed revenue is not paid out before this long after payment (the refund window)."""
    return timedelta(days=getattr(settings, "PAYOUTS_HOLD_DAYS", 30))


def forfeit_window() -> timedelta:
    """A held instructor share is forfeited to the platform this long after completion."""
    return timedelta(days=getattr(settings, "PAYOUTS_FORFEIT_DAYS", 60))


def send_grace_period() -> timedelta:
    """How long a payout handed to a worker is left to it before the send sweep hands it over
    again (its task may have been lost, or its worker may have died)."""
    return timedelta(seconds=getattr(settings, "PAYOUTS_SEND_GRACE_SECONDS", 60))


def payout_minimum(currency: str) -> Money:
    """The least a payout in ``currency`` may be; less carries over to the next cycle."""
    return _payout_minimums()[currency]


def payout_minimums_minor() -> dict[str, int]:
    """``PAYOUTS_MINIMUM`` in minor units, for every currency."""
    return {code: minimum.minor for code, minimum in _payout_minimums().items()}


def _payout_minimums() -> dict[str, Money]:
    # The setting has a row for every currency (money_table refuses one that forgets any), so
    # there is no fallback amount that would mean 25 dollars in one currency and 25 yen in another.
    return money_table(settings.PAYOUTS_MINIMUM, name="PAYOUTS_MINIMUM")
