"""Serializer pieces the spec's connector bodies share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from cadence.api import AmountField
from cadence.kernel.errors import ApplicationError
from cadence.kernel.money import Money, MoneyError, currency


@extend_schema_field(
    {"oneOf": [{"type": "number"}, {"type": "string"}], "example": "199.00"},
)
class MajorAmountField(AmountField):
    """An amount in major units, a JSON number or a decimal string (described for the docs)."""


class SpecBodySerializer(serializers.Serializer):
    # The serializer of a spec endpoint's body, whose fields are built once per class. (Said in
    # comments: a docstring would become every body's description in the API docs.)
    #
    # DRF deep-copies every declared field, nested serializers and theirs included, for each
    # instance: for these bodies, a good part of a request's CPU. Their fields (and ``validate``
    # methods) keep nothing of a request and read nothing of their serializer but its
    # ``partial`` (never set here), so the fields bound for the class's first instance validate
    # every later one. Only for input validated with ``data=``; not for output or ``partial``.

    @cached_property
    def fields(self):
        fields = type(self).__dict__.get("_fields_of_the_class")
        if fields is None:
            fields = BindingDict(self)
            for name, field in self.get_fields().items():
                fields[name] = field
            type(self)._fields_of_the_class = fields
        return fields


class PublicIdField(serializers.RegexField):
    """An opaque id from another system (``ord_123``, ``usr_789``): non-blank, no spaces.

    Its pattern admits neither NUL nor a surrogate, so CharField's own checks for those (a
    Python loop over every character, on every id of every connector body) are left out.
    """

    PATTERN = r"^[A-Za-z0-9_\-.:]+$"

    def __init__(self, **kwargs):
        super().__init__(
            self.PATTERN,
            max_length=64,
            error_messages={"invalid": "must be an id of letters, digits, '_', '-', '.' or ':'"},
            **kwargs,
        )
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(
                validator, (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)
            )
        ]


public_id = PublicIdField  # the name the spec bodies' serializers declare their ids with


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
