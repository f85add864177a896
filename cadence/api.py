"""Project-wide DRF plumbing: one mapping of domain errors to HTTP, and exact JSON numbers."""

from __future__ import annotations

import json
import operator
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import accumulate, count

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from cadence.kernel.errors import ApplicationError

# The deepest nesting a JSON body may have. The API's bodies are three levels deep; Python's
# parser recurses once per level and overflows the stack near a thousand (a 500).
JSON_MAX_DEPTH = 32

# A JSON string, escapes included, so that brackets inside strings are not counted as nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
# An opening bracket becomes 2 and a closing one 0: after n brackets the running sum less n is
# the depth (opened - closed), all computed in C by accumulate() and map().
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


class JSONBodyRefused(exceptions.ParseError):
    """A 400 for a body that is not JSON the API reads, in the project's error shape."""

    def __init__(self, message: str):
        super().__init__(detail={"error": {"code": "parse_error", "message": message}})


def json_depth_check(raw: bytes) -> None:
    """Refuse a body nested deeper than ``JSON_MAX_DEPTH`` before any recursive parser sees it.

    Linear in the body's size and run in C; a body with few brackets is passed at once.
    """
    if raw.count(b"[") + raw.count(b"{") <= JSON_MAX_DEPTH:
        return
    steps = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS).translate(_BRACKET_STEPS)
    if max(map(operator.sub, accumulate(steps), count(1)), default=0) > JSON_MAX_DEPTH:
        raise JSONBodyRefused(f"JSON nested deeper than {JSON_MAX_DEPTH} levels is not accepted")


class DecimalJSONParser(JSONParser):
    """Reads JSON numbers as ``Decimal`` so that ``199.00`` keeps its exact value and places.

    A body nested deeper than ``JSON_MAX_DEPTH`` or holding a number no ``Decimal`` can hold is
    a 400. (DRF reads the body through ``request.body``, so Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bounds its size first.)
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        json_depth_check(raw)
        try:
            return json.loads(raw.decode(encoding), parse_float=Decimal)
        except (ValueError, InvalidOperation) as exc:
            raise JSONBodyRefused(f"JSON parse error - {str(exc)[:200]}") from exc


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


# DRF's own field, for the naive datetimes ``datetime_string`` leaves to it.
_DATETIME_FIELD = serializers.DateTimeField()


def datetime_string(value: datetime | None) -> str | None:
    """A datetime as DRF's ``DateTimeField`` shows it, for views that write their answer by hand:
    ISO 8601 in the current time zone, ``Z`` for UTC (``2026-05-01T12:00:00.123456Z``), None
    for None. The database gives aware datetimes; a naive one is left to DRF's field itself."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return _DATETIME_FIELD.to_representation(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# What each query serializer makes of an empty query string (``query_validated``).
_EMPTY_QUERY_VALIDATED: dict[type, dict] = {}


def query_validated(serializer_class: type[serializers.Serializer], query_params) -> dict:
    """``serializer_class(data=query_params)``'s validated data, a 400 (DRF's ValidationError)
    if it is not valid, as ``is_valid(raise_exception=True)`` gives.

    Most list requests send no query string, and an empty one validates to the same data every
    time (the serializer's constant defaults): it is validated once per serializer and a copy of
    the result kept. Only for serializers whose defaults are constants (no ``timezone.now``).
    """
    if not query_params:
        kept = _EMPTY_QUERY_VALIDATED.get(serializer_class)
        if kept is not None:
            return dict(kept)
    serializer = serializer_class(data=query_params)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    if not query_params:
        _EMPTY_QUERY_VALIDATED[serializer_class] = dict(data)
    return data


def exception_handler(exc, context):
    """Every refusal of the API becomes ``{"error": {"code", "message", "field"}}``.

    Domain errors carry their own status; DRF's own (401, 403 with the CSRF check, 404, 405,
    406, 415, 429, a JSON parse error) keep theirs, and their ``detail`` becomes the message.
    """
    # Imported here: DRF's views module reads DEFAULT_PARSER_CLASSES, which names this module,
    # so importing it above would fail whenever this module is imported first.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"error": validation_error_body(response.data)}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif not (isinstance(response.data, dict) and isinstance(response.data.get("error"), dict)):
        response.data = {"error": error_body(exc, response.data)}
    return response


def error_body(exc: exceptions.APIException, data) -> dict[str, str]:
    """The project's error body for one of DRF's exceptions (or a library's, such as a refused
    token's ``{"detail", "code", "messages"}``)."""
    code = exc.get_codes() if isinstance(exc.detail, str) else exc.default_code
    message = data
    if isinstance(data, dict):
        code = data.get("code") or code
        message = data.get("detail", data)
    if isinstance(code, (list, dict)):
        code = exc.default_code
    return {"code": str(code), "message": str(message)}


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
