"""The spec bodies' serializers bind their fields once per class; each instance still validates
its own data and keeps its own errors."""

import pytest
from rest_framework import serializers

from connectors.rest_api.fields import SpecBodySerializer, public_id


class Body(SpecBodySerializer):
    class Payload(serializers.Serializer):
        orderId = public_id()
        amount = serializers.IntegerField(min_value=0)

    source = serializers.CharField(max_length=10)
    payload = Payload()


def test_instances_share_the_fields_of_their_class():
    first, second = Body(data={}), Body(data={})

    assert first.fields is second.fields
    assert first.fields["payload"].fields is second.fields["payload"].fields


def test_each_instance_validates_its_own_data_and_keeps_its_own_errors():
    good = Body(data={"source": "shop", "payload": {"orderId": "ord_1", "amount": 3}})
    bad = Body(data={"source": "x" * 11, "payload": {"orderId": "no spaces", "amount": -1}})

    assert not bad.is_valid()
    assert good.is_valid(), good.errors
    assert good.validated_data == {"source": "shop", "payload": {"orderId": "ord_1", "amount": 3}}
    assert set(bad.errors) == {"source", "payload"}
    assert set(bad.errors["payload"]) == {"orderId", "amount"}
    assert good.errors == {}


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        ("ord\x00_1", "must be an id of letters, digits, '_', '-', '.' or ':'"),
        ("ord_\ud800", "must be an id of letters, digits, '_', '-', '.' or ':'"),
        ("ord 1", "must be an id of letters, digits, '_', '-', '.' or ':'"),
        ("o" * 65, "Ensure this field has no more than 64 characters."),
        ("", "This field may not be blank."),
    ],
)
def test_an_id_field_refuses_what_its_pattern_does_not_admit_with_one_clear_error(sent, error):
    # NUL and surrogates are refused by the pattern itself, not by CharField's extra checks.
    body = Body(data={"source": "shop", "payload": {"orderId": sent, "amount": 1}})

    assert not body.is_valid()
    assert body.errors["payload"]["orderId"] == [error]


def test_an_id_field_keeps_only_its_length_and_pattern_checks():
    assert [type(check).__name__ for check in public_id().validators] == [
        "MaxLengthValidator",
        "RegexValidator",
    ]
