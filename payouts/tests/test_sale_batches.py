"""Recording the items of one order at once: the same rows as one item at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from payouts import api
from payouts.errors import PayoutsConflict, PayoutsError
from payouts.models import JournalEntry, RevenueShareConfig, Sale
from payouts.selectors.ledger import ledger_verify
from payouts.tests.factories import (
    PAID_AT,
    EnrollmentApprovedFactory,
    RefundFactory,
    RevenueRecordedFactory,
)
from payouts.tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def order(prefix: str, **overrides):
    """Three items of one order: two instructors named, one course with its own split, a
    negative net (the fee above the charge)."""
    return [
        RevenueRecordedFactory(
            order_id=f"ord_{prefix}", order_item_id=f"oi_{prefix}1", **overrides
        ),
        RevenueRecordedFactory(
            order_id=f"ord_{prefix}",
            order_item_id=f"oi_{prefix}2",
            course_id="crs_own_split",
            instructor_ids=("usr_a", "usr_b"),
            **overrides,
        ),
        RevenueRecordedFactory(
            order_id=f"ord_{prefix}",
            order_item_id=f"oi_{prefix}3",
            gross_amount=20,
            platform_fee=31,
            instructor_ids=(),
            **overrides,
        ),
    ]


def journal(order_item_id: str) -> list[tuple]:
    rows = JournalEntry.objects.filter(transaction__sale__order_item_id=order_item_id)
    return sorted(rows.values_list("transaction__description", "account", "amount_minor"))


def without_prefix(rows: list[tuple], prefix: str) -> list[tuple]:
    return [tuple(str(v).replace(prefix, "*") for v in row) for row in rows]


def test_an_order_recorded_at_once_ends_as_its_items_recorded_one_by_one():
    RevenueShareConfig.objects.create(
        course_id="crs_own_split",
        content_creator_share_bp=5000,
        instructor_pool_share_bp=2500,
        platform_share_bp=2500,
        effective_from=PAID_AT - timedelta(days=1),
    )
    RevenueShareConfig.objects.create(
        course_id="crs_own_split",
        content_creator_share_bp=1000,
        instructor_pool_share_bp=1000,
        platform_share_bp=8000,
        effective_from=PAID_AT + timedelta(days=1),  # not in force at the payment
    )
    batch, single = order("b"), order("s")

    api.revenues_record_from_event(batch)
    for revenue in single:
        api.revenue_record_from_event(revenue)

    for b, s in zip(batch, single, strict=True):
        assert snapshot(b.order_item_id) == snapshot(s.order_item_id)
        assert snapshot(b.order_item_id)
        assert without_prefix(journal(b.order_item_id), "ord_b/oi_b") == without_prefix(
            journal(s.order_item_id), "ord_s/oi_s"
        )
        fields = ["content_creator_share_bp", "platform_share_bp", "share_config_id", "net_minor"]
        assert list(Sale.objects.filter(order_item_id=b.order_item_id).values(*fields)) == list(
            Sale.objects.filter(order_item_id=s.order_item_id).values(*fields)
        )
    assert ledger_verify().ok


def test_the_reads_and_writes_of_an_order_do_not_grow_with_its_items():
    def queries(revenues) -> int:
        with CaptureQueriesContext(connection) as captured:
            api.revenues_record_from_event(revenues)
        return len(captured)

    one = queries(order("x")[:1])
    three = queries(order("y"))

    assert one == three


def test_recording_the_order_again_changes_nothing_and_a_different_payload_is_refused():
    revenues = order("r")
    api.revenues_record_from_event(revenues)
    before = [snapshot(r.order_item_id) for r in revenues]

    api.revenues_record_from_event(revenues)

    assert [snapshot(r.order_item_id) for r in revenues] == before
    assert Sale.objects.count() == 3
    changed = [revenues[0], RevenueRecordedFactory(**{**vars(revenues[1]), "gross_amount": 1})]
    with pytest.raises(PayoutsError), transaction.atomic():
        api.revenues_record_from_event(changed)
    other_currency = RevenueRecordedFactory(**{**vars(revenues[1]), "currency": "EUR"})
    with pytest.raises(PayoutsConflict), transaction.atomic():
        api.revenues_record_from_event([other_currency])
    assert [snapshot(r.order_item_id) for r in revenues] == before


def test_an_item_payouts_heard_of_first_goes_the_one_item_way_and_ends_the_same():
    """A refund and an approval arrived before the revenue: the item is not new, so the
    batch leaves it to ``sales.revenue_record``; its neighbours are still written together."""
    batch, single = order("f"), order("g")
    for revenues in (batch, single):
        api.refund_record(
            RefundFactory(
                order_id=revenues[0].order_id,
                order_item_id=revenues[0].order_item_id,
                amount=5000,
            )
        )
        api.enrollment_approval_record(
            EnrollmentApprovedFactory(
                order_id=revenues[1].order_id, order_item_id=revenues[1].order_item_id
            )
        )

    api.revenues_record_from_event(batch)
    for revenue in single:
        api.revenue_record_from_event(revenue)

    for b, s in zip(batch, single, strict=True):
        assert snapshot(b.order_item_id) == snapshot(s.order_item_id)
    assert Sale.objects.get(order_item_id=batch[1].order_item_id).approved_at is not None
    assert ledger_verify().ok


def test_an_item_a_concurrent_writer_records_first_is_left_to_the_one_item_way(monkeypatch):
    """The concurrent writer's sale is made between the batch's read and its insert: the insert
    leaves it out (no savepoint, no failure) and the one-item path settles it; nothing doubles."""
    from payouts.services import sale_batches

    revenues = order("race")
    real_configs = sale_batches._configs_in_force

    def twin_first(checked):
        with transaction.atomic():
            api.revenue_record_from_event(revenues[1])
        return real_configs(checked)

    monkeypatch.setattr(sale_batches, "_configs_in_force", twin_first)
    api.revenues_record_from_event(revenues)
    monkeypatch.undo()

    reference = order("ref")
    api.revenues_record_from_event(reference)
    assert Sale.objects.filter(order_id="ord_race").count() == 3
    for n in (1, 2, 3):
        assert without_prefix(journal(f"oi_race{n}"), "race") == without_prefix(
            journal(f"oi_ref{n}"), "ref"
        )
    assert ledger_verify().ok
