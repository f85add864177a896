from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db import transaction

from cadence.kernel.events import DomainEvent, from_json, to_json


@dataclass(frozen=True)
class Line:
    sku: str
    minor: int


@dataclass(frozen=True)
class Sample:
    order_id: str
    paid_at: datetime
    lines: tuple[Line, ...]
    note: str | None = None


sample_recorded = DomainEvent("cadence.kernel.sample.recorded.v1", Sample)


def test_payloads_round_trip_through_json():
    payload = Sample("ord_1", datetime(2025, 1, 14, 10, tzinfo=UTC), (Line("a", 1), Line("b", 2)))
    assert from_json(Sample, to_json(payload)) == payload


def test_event_types_are_versioned_and_unique():
    with pytest.raises(ValueError):
        DomainEvent("cadence.kernel.sample.recorded", Sample)
    with pytest.raises(ValueError):
        DomainEvent("cadence.kernel.sample.recorded.v1", Sample)


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused():
    payload = Sample("ord_1", datetime(2025, 1, 14, tzinfo=UTC), ())
    with pytest.raises(RuntimeError):
        sample_recorded.publish(payload)
    with transaction.atomic():
        envelope = sample_recorded.publish(payload)
    assert envelope.event_id.startswith("evt_")
    assert envelope.event_type == "cadence.kernel.sample.recorded.v1"
