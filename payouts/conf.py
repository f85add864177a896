"""Payouts' settings with their defaults; each can be overridden in Django settings."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

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


_SIZE = re.compile(r"([0-9]{1,10})(kB|MB|GB)")
_KB_PER_UNIT = {"kB": 1, "MB": 1024, "GB": 1024 * 1024}
# PostgreSQL's own bounds for work_mem.
_WORK_MEM_KB = range(64, 2_147_483_647 + 1)


def batch_work_mem() -> str:
    """PostgreSQL's ``work_mem`` for a payout batch's gathering (``PAYOUTS_BATCH_WORK_MEM``): enough
    for hash tables of every eligible payee, about 75 bytes each, in up to twice this, so that the
    rows are locked in one pass over the table. 32MB holds about 850,000 payees."""
    value = settings.PAYOUTS_BATCH_WORK_MEM
    match = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) * _KB_PER_UNIT[match[2]] not in _WORK_MEM_KB:
        raise ImproperlyConfigured(
            "PAYOUTS_BATCH_WORK_MEM: a size in kB, MB or GB between 64kB and 2047GB, such as "
            f"32MB, not {value!r}"
        )
    return value


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
