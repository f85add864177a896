"""``seed_demo`` tells the whole life of a sale through the connectors, and only once."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from commerce.models import Order, OrderItem
from connectors.models import OutboxDelivery, OutboxEvent
from connectors.reconciliation import reconcile
from lms import api as lms_api
from lms.models import Certificate, Enrollment
from payouts.models import EarnedRevenue, Payout, PayoutBatch


def _seed() -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def _enrollments() -> set[tuple[str, str, str, str]]:
    return {
        (e.user.username, e.course.slug, e.state, e.source)
        for e in Enrollment.objects.select_related("user", "course")
    }


def _shares(order: Order) -> dict[str, tuple[int, str]]:
    item = OrderItem.objects.get(order=order)
    return {
        row.role: (row.amount_minor, row.status)
        for row in EarnedRevenue.objects.filter(sale__order_item_id=item.public_id)
    }


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Order, Enrollment, Certificate, EarnedRevenue, PayoutBatch, OutboxEvent)
    )


@pytest.mark.django_db(transaction=True)
def test_the_demo_shows_a_sale_paid_out_a_learner_partway_and_one_awaiting_approval():
    first = _seed()

    graduate, learner = first["users"]["graduate"], first["users"]["learner"]
    assert _enrollments() == {
        ("graduate", "django-for-payments", "completed", "commerce-platform"),
        ("graduate", "teaching-online", "approved", "staff"),
        ("learner", "django-for-payments", "in_progress", "commerce-platform"),
        ("learner", "teaching-online", "pending", "commerce-platform"),
    }
    assert Certificate.objects.get().enrollment.user.username == "graduate"
    graduates_order = Order.objects.get(customer_id=graduate)
    assert graduates_order.state == Order.State.PAID
    assert OrderItem.objects.get(order=graduates_order).fulfilment == "approved"
    # The graduate's story happened weeks ago, so its hold period is over and it is paid.
    assert timezone.now() - graduates_order.created_at > timedelta(days=40)
    assert _shares(graduates_order) == {
        "content-creator": (7717, "paid"),
        "instructor": (5788, "paid"),
        "platform": (5788, "confirmed"),
    }
    assert sorted(Payout.objects.values_list("amount_minor", "status")) == [
        (5788, "completed"),
        (7717, "completed"),
    ]
    learners_orders = Order.objects.filter(customer_id=learner).order_by("created_at")
    assert [order.state for order in learners_orders] == ["paid", "paid"]
    assert _shares(learners_orders[0]) == {
        "content-creator": (7717, "pending"),
        "instructor": (5788, "pending"),
        "platform": (5788, "confirmed"),
    }
    assert {status for _, status in _shares(learners_orders[1]).values()} == {"pending"}
    assert set(OutboxDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert reconcile(repair=False) == []
    call_command("verify_ledger", stdout=StringIO())  # raises CommandError on any problem

    counts = _counts()
    assert _seed() == first
    assert _counts() == counts


@pytest.mark.django_db
def test_the_demo_stops_with_the_reason_when_an_event_cannot_be_delivered(monkeypatch):
    def refuse(requests):
        raise RuntimeError("the LMS is down")

    monkeypatch.setattr(lms_api, "enrollment_requests", refuse)

    with pytest.raises(CommandError, match=r"lms:enrollment-request.*the LMS is down"):
        _seed()
