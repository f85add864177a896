"""The storage side of Idempotency-Key: claims, recorded answers, abandoned and expired keys."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cadence.idempotency.models import IdempotentRequest
from cadence.idempotency.services import (
    KeyInFlight,
    KeyReused,
    Recorded,
    expired_keys_delete,
    key_answer_record,
    key_claim,
    key_release,
)

pytestmark = pytest.mark.django_db
CLAIM = {"owner": "user:1", "key": "k", "endpoint": "test.endpoint", "fingerprint": "f" * 64}


def test_a_new_key_is_claimed_and_its_answer_replayed():
    assert key_claim(**CLAIM) is None
    key_answer_record(owner="user:1", key="k", status_code=201, body={"id": 1})

    assert key_claim(**CLAIM) == Recorded(status_code=201, body={"id": 1})


def test_a_claim_in_flight_refuses_a_repeat_until_it_is_abandoned(settings):
    key_claim(**CLAIM)

    with pytest.raises(KeyInFlight):
        key_claim(**CLAIM)
    later = timezone.now() + timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_SECONDS + 1)
    with time_machine.travel(later):
        assert key_claim(**CLAIM) is None  # taken over: its process is taken to have died
        with pytest.raises(KeyInFlight):
            key_claim(**CLAIM)


def test_another_request_with_the_key_is_refused_even_in_flight():
    key_claim(**CLAIM)

    with pytest.raises(KeyReused) as refused:
        key_claim(**CLAIM | {"fingerprint": "0" * 64})
    assert refused.value.field == "Idempotency-Key"


def test_a_released_claim_leaves_the_key_free():
    key_claim(**CLAIM)
    key_release(owner="user:1", key="k")

    assert key_claim(**CLAIM) is None


def test_a_completed_answer_is_never_released():
    key_claim(**CLAIM)
    key_answer_record(owner="user:1", key="k", status_code=200, body={})
    key_release(owner="user:1", key="k")

    assert key_claim(**CLAIM) == Recorded(status_code=200, body={})


def test_only_expired_keys_are_deleted(settings):
    key_claim(**CLAIM)
    with time_machine.travel(timezone.now() + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS - 1)):
        key_claim(**CLAIM | {"key": "younger"})

    with time_machine.travel(timezone.now() + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)):
        assert expired_keys_delete() == 1

    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["younger"]
