"""Serializer pieces shared by commerce's API views: money out as decimal strings."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cadence.kernel.money import Money, decimal_string


def amount_string(minor: int, currency: str) -> str:
    """What ``MinorAmountField`` shows of an amount, for answers written out by hand."""
    return decimal_string(minor, currency)


@extend_schema_field(OpenApiTypes.STR)
class MinorAmountField(serializers.Field):
    """Reads an integer of minor units and shows it as a decimal string such as ``"199.00"``.

    The currency comes from the object's ``currency`` attribute (or ``currency_attr``).
    """

    def __init__(self, *, currency_attr: str = "currency", **kwargs):
        self.currency_attr = currency_attr
        self.currency_path = tuple(currency_attr.split("."))  # split once, read for every row
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        minor = super().get_attribute(instance)
        currency = instance
        for part in self.currency_path:
            currency = currency[part] if isinstance(currency, dict) else getattr(currency, part)
        return None if minor is None else Money(int(minor), currency)

    def to_representation(self, value: Money) -> str:
        return value.to_decimal_string()


@extend_schema_field(OpenApiTypes.STR)
class MoneyStringField(serializers.Field):
    """Shows a ``Money`` as its decimal string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Money) -> str:
        return value.to_decimal_string()


@extend_schema_field(OpenApiTypes.STR)
class AmountInputField(serializers.Field):
    """Accepts a JSON number or a decimal string as given; the service parses it with its
    currency (refusing more decimals than the currency has)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            raise serializers.ValidationError("must be a number or a decimal string")
        return data

    def to_representation(self, value):
        return str(value)
