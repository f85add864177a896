from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone as django_timezone
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from cadence.api import AmountField, datetime_string, query_validated
from cadence.kernel.errors import Conflict
from cadence.kernel.money import Money


class PriceView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    class InputSerializer(serializers.Serializer):
        amount = AmountField()
        currency = serializers.CharField()
        lines = serializers.ListField(child=serializers.IntegerField(min_value=1))

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["currency"] == "EUR":
            raise Conflict("this price already exists with another amount", field="currency")
        money = Money.parse(data.validated_data["amount"], data.validated_data["currency"])
        return Response({"minor": money.minor, "raw": str(request.data["amount"])})


def post(body: str):
    request = APIRequestFactory().post("/", body, content_type="application/json")
    return PriceView.as_view()(request)


def test_json_numbers_keep_their_exact_decimal_value():
    response = post('{"amount": 192.31, "currency": "USD", "lines": [1]}')
    assert response.status_code == 200
    assert response.data == {"minor": 19231, "raw": str(Decimal("192.31"))}


def test_domain_errors_name_the_field_and_the_reason():
    response = post('{"amount": "199.001", "currency": "USD", "lines": [1]}')
    assert response.status_code == 400
    assert response.data["error"]["field"] == "amount"
    assert "2 decimal places" in response.data["error"]["message"]

    response = post('{"amount": "1.00", "currency": "EUR", "lines": [1]}')
    assert response.status_code == 409
    assert response.data["error"] == {
        "code": "conflict",
        "message": "this price already exists with another amount",
        "field": "currency",
    }


def test_validation_errors_are_flattened_to_the_first_field():
    response = post('{"amount": true, "lines": [0]}')
    assert response.status_code == 400
    error = response.data["error"]
    assert error["field"] == "amount"
    fields = {item["field"] for item in error["errors"]}
    assert {"amount", "currency"} <= fields
    assert "lines.0" in fields


def parse_error_of(response) -> str:
    assert response.status_code == 400, response.data
    assert response.data["error"]["code"] == "parse_error"
    return response.data["error"]["message"]


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000,
     '{"amount": ' + "[" * 33 + "]" * 33 + "}", "[" * 100_000],
)  # fmt: skip
def test_json_nested_too_deep_is_refused_before_it_is_parsed(body):
    assert "nested deeper than 32 levels" in parse_error_of(post(body))


def test_nesting_up_to_the_limit_and_brackets_inside_strings_are_parsed():
    deep_enough = "[" * 31 + "]" * 31
    body = f'{{"amount": "199.00", "currency": "USD", "lines": [1], "x": {deep_enough}, '
    body += '"note": "' + "[" * 1000 + '\\"{{{{"}'
    assert post(body).status_code == 200


@pytest.mark.parametrize("number", ["1e999999999999999999999", "-1e-999999999999999999999"])
def test_a_json_number_no_decimal_can_hold_is_a_parse_error(number):
    assert "JSON parse error" in parse_error_of(post(f'{{"amount": {number}}}'))


@pytest.mark.parametrize(
    "value",
    [
        None,
        datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(1999, 1, 1, tzinfo=timezone(timedelta(hours=-8))),
        datetime(2026, 5, 1, 12, 0),  # naive: DRF makes it aware in the current time zone
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York"])
def test_datetime_string_shows_a_datetime_as_drfs_field_does(value, zone):
    with django_timezone.override(zone):
        assert datetime_string(value) == serializers.DateTimeField().to_representation(value)


class QuerySerializer(serializers.Serializer):
    currency = serializers.CharField(required=False, default="USD")
    limit = serializers.IntegerField(required=False, max_value=10)


class RequiredQuerySerializer(serializers.Serializer):
    search = serializers.CharField()


def test_query_validated_keeps_what_an_empty_query_gives_and_validates_every_other():
    first = query_validated(QuerySerializer, QueryDict(""))
    first["currency"] = "EUR"  # a caller changing its copy changes nothing kept

    assert query_validated(QuerySerializer, QueryDict("")) == {"currency": "USD"}
    assert query_validated(QuerySerializer, QueryDict("limit=3")) == {"currency": "USD", "limit": 3}
    with pytest.raises(exceptions.ValidationError):
        query_validated(QuerySerializer, QueryDict("limit=11"))
    for _ in range(2):  # an empty query that is not valid is refused every time
        with pytest.raises(exceptions.ValidationError):
            query_validated(RequiredQuerySerializer, QueryDict(""))
