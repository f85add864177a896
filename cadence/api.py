"""Project-wide DRF plumbing: one mapping of domain errors to HTTP, and exact JSON numbers."""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cadence.kernel.errors import ApplicationError


class DecimalJSONParser(JSONParser):
    """Reads JSON numbers as ``Decimal`` so that ``199.00`` keeps its exact value and places."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(stream.read().decode(encoding), parse_float=Decimal)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc


class AmountField(serializers.Field):
    """A money amount in major units, as a JSON number or a decimal string, kept exact.

    It only checks the shape; ``Money.parse`` (with the currency) checks the decimal places, so
    the error names the currency's rule.
    """

    default_error_messages = {"invalid": "must be a number or a decimal string such as 199.00"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, Decimal)):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return str(value)


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset with ceilings, so no number a caller sends reaches the database as one
    it cannot hold (SQLite and PostgreSQL stop at 2**63 - 1 and answered 500 past it).

    ``limit`` above ``max_limit`` reads as ``max_limit`` (DRF's own rule), and an ``offset`` above
    ``max_offset`` reads as ``max_offset``: a page past the end, so empty.
    """

    max_limit = 1000
    max_offset = 1_000_000_000

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), self.max_offset)


def exception_handler(exc, context):
    """Domain errors become ``{"error": {"code", "message", "field"}}`` with their status."""
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"error": validation_error_body(response.data)}
        response.status_code = status.HTTP_400_BAD_REQUEST
    return response


def validation_error_body(detail, prefix: str = "") -> dict:
    """Flatten DRF's nested errors into the first ``field`` + ``message`` and the full list."""
    errors = list(_flatten(detail, prefix))
    first_field, first_message = errors[0] if errors else ("", "invalid input")
    body = {
        "code": "invalid",
        "message": first_message,
        "errors": [{"field": field, "message": message} for field, message in errors],
    }
    if first_field:
        body["field"] = first_field
    return body


def _flatten(detail, prefix: str):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else key)
            yield from _flatten(value, name)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            for item in detail:
                yield prefix, str(item)
        else:
            for index, item in enumerate(detail):
                yield from _flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, str(detail)
