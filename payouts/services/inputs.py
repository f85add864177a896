"""Checks every api input goes through: each refusal names the field, in the spec's camelCase."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from cadence.kernel.money import MoneyError, currency
from payouts.errors import PayoutsError


def require_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PayoutsError("is required", field=field)
    if len(value) > 64:
        raise PayoutsError("must be at most 64 characters", field=field)
    return value.strip()


def require_minor(value: object, field: str, *, may_be_negative: bool = False) -> int:
    """An integer amount in minor units; below zero only where a fact can be (a net that the
    processor's fee exceeded)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayoutsError("must be an integer amount in minor units", field=field)
    if value < 0 and not may_be_negative:
        raise PayoutsError("cannot be negative", field=field)
    return value


def require_moment(value: object, field: str) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise PayoutsError("must be a date and time with a time zone", field=field)
    return value


def require_currency(value: object) -> str:
    try:
        return currency(value, field="currency").code
    except MoneyError as error:
        raise PayoutsError(error.message, field="currency") from None
