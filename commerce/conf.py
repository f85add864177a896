"""Commerce's money settings read per currency: the fee schedule and the least amount charged.

The tables are in ``cadence/settings.py`` (``COMMERCE_FEE_FIXED``, ``COMMERCE_MINIMUM_CHARGE``),
one row per currency in major units, read through the kernel's ``money_table``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from cadence.kernel.money import Money, currency, money_table
from commerce.pricing import least_amount_the_fee_leaves_something_of, schedule_fee


def fee_percent() -> Decimal:
    return Decimal(settings.COMMERCE_FEE_PERCENT)


def fee_fixed(code: str) -> Money:
    """The fixed part of the fee schedule on a charge in ``code`` (30 US cents, 20 pence…)."""
    return money_table(settings.COMMERCE_FEE_FIXED, name="COMMERCE_FEE_FIXED")[currency(code).code]


def scheduled_fee(amount: Money) -> Money:
    """The fee schedule's fee on ``amount``, for a processor that does not report its own."""
    return schedule_fee(amount, percent=fee_percent(), fixed_minor=fee_fixed(amount.currency).minor)


def minimum_charge(code: str) -> Money:
    """The least non-zero amount checkout charges in ``code``.

    The processor's published minimum (``COMMERCE_MINIMUM_CHARGE``), raised where needed to the
    smallest amount the fee schedule leaves something of, so that no sale is all fee.
    """
    code = currency(code).code
    published = money_table(settings.COMMERCE_MINIMUM_CHARGE, name="COMMERCE_MINIMUM_CHARGE")
    floor = least_amount_the_fee_leaves_something_of(
        code, percent=fee_percent(), fixed_minor=fee_fixed(code).minor
    )
    return max(published[code], floor)


def processor_scheduled_fee(processor: str, amount: Money) -> Money:
    """The operator's fee schedule for ``processor`` on ``amount``, for a processor whose API does
    not report its fee (Elavon) or has not assessed it yet (Square, just after a payment).

    ``<PROCESSOR>_FEE_PERCENT`` and ``<PROCESSOR>_FEE_FIXED`` (a per-currency table like
    ``COMMERCE_FEE_FIXED``) in settings; either left unset falls back to the commerce schedule.
    """
    prefix = processor.upper()
    percent = getattr(settings, f"{prefix}_FEE_PERCENT", "") or settings.COMMERCE_FEE_PERCENT
    table = getattr(settings, f"{prefix}_FEE_FIXED", None) or settings.COMMERCE_FEE_FIXED
    fixed = money_table(table, name=f"{prefix}_FEE_FIXED")[currency(amount.currency).code]
    return schedule_fee(amount, percent=Decimal(percent), fixed_minor=fixed.minor)
