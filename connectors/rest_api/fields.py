"""Serializer pieces the spec's connector bodies share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cadence.api import AmountField
from cadence.kernel.errors import ApplicationError
from cadence.kernel.money import Money, MoneyError, currency


@extend_schema_field(
    {"oneOf": [{"type": "number"}, {"type": "string"}], "example": "199.00"},
)
class MajorAmountField(AmountField):
    """An amount in major units, a JSON number or a decimal string (described for the docs)."""


def public_id(**kwargs) -> serializers.CharField:
    """An opaque id from another system (``ord_123``, ``usr_789``): non-blank, no spaces."""
    return serializers.RegexField(
        r"^[A-Za-z0-9_\-.:]+$",
        max_length=64,
        error_messages={"invalid": "must be an id of letters, digits, '_', '-', '.' or ':'"},
        **kwargs,
    )


def money_from(data: Mapping[str, Any], *, amount: str, code: str = "currency") -> Money:
    """Parse ``data[amount]`` against ``data[code]``; a bad value names its own field."""
    try:
        unit = currency(data[code], field=code)
        return Money.parse(data[amount], unit.code, field=amount)
    except MoneyError as error:
        raise serializers.ValidationError({error.field or amount: error.message}) from error


def api_call(call: Callable[[], Any], *, fields: Mapping[str, str]) -> Any:
    """Run a context's api call, naming its errors' fields as the spec's body spells them.

    The api names its inputs in its own words (``externalOrderItemId``); the caller sent
    ``payload.orderItemId``, so that is the field its error must name.
    """
    try:
        return call()
    except ApplicationError as error:
        if error.field:
            error.field = fields.get(error.field, f"payload.{error.field}")
        raise
