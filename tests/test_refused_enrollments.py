"""Connector 1 when the LMS refuses a paid enrollment: for good it is refunded, else retried."""

from __future__ import annotations

import pytest
from django.core import mail

from commerce.models import OrderItem, Refund
from commerce.services.refunds import refund_send
from connectors.consumers.enrollment_request import CONSUMER
from connectors.models import OutboxDelivery, OutboxEvent
from connectors.outbox.services import outbox_delivery_attempt
from connectors.reconciliation import REJECTED_NOT_REFUNDED, reconcile
from lms.models import Course, Enrollment, User
from lms.services import course_archive
from tests.lifecycle import (
    course_for_sale,
    deliver_all,
    enrollment_of,
    free_purchase,
    learner,
    purchase,
    redeliver,
)
from tests.test_lifecycle import nothing_wrong, shares

pytestmark = pytest.mark.django_db(transaction=True)

REFUNDED = "cadence.commerce.refund.completed.v1"
REVERSED = {"content-creator": "reversed", "instructor": "reversed", "platform": "reversed"}


def refuse_for_good(refusal: str, course: Course, user: User) -> None:
    """What changes in the LMS between the payment and its delivery."""
    if refusal == "archived course":
        course_archive(course=Course.objects.get(pk=course.pk))
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)


def paid_while_nothing_is_delivered(monkeypatch) -> tuple[OrderItem, Course, User]:
    """A learner pays; the payment's events wait in the outbox (no delivery is kicked)."""
    user, (course, item) = learner(), course_for_sale("199.00")
    monkeypatch.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
    return purchase(user, item), course, user


def consumer_delivery_statuses() -> list[str]:
    """The cross-context consumers' deliveries (webhook fan-out left out)."""
    deliveries = OutboxDelivery.objects.exclude(consumer__startswith="webhooks:")
    return list(deliveries.values_list("status", flat=True))


def statuses(order_item: OrderItem) -> dict[str, str]:
    return {role: status for role, (_amount, status) in shares(order_item).items()}


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        ("archived course", "courseId: the course is archived, not published"),
        ("deactivated user", "userId: this user's account is deactivated"),
    ],
)
def test_a_paid_item_the_lms_refuses_for_good_is_refunded_and_the_learner_told_why(
    monkeypatch, refusal, reason
):
    order_item, course, user = paid_while_nothing_is_delivered(monkeypatch)
    refuse_for_good(refusal, course, user)

    deliver_all()

    assert not Enrollment.objects.exists()
    item = OrderItem.objects.get(pk=order_item.pk)
    assert item.fulfilment == OrderItem.Fulfilment.REJECTED
    assert reason in item.fulfilment_note
    refund = Refund.objects.get(order_item=item)
    assert (refund.state, refund.amount_minor) == (Refund.State.SUCCEEDED, 19900)
    assert item.refunded_minor == item.total_minor
    # Commerce tells why; the notifications tell of the payment and of the refund.
    [told] = [message for message in mail.outbox if reason in message.body]
    assert told.to == [user.email]
    assert sorted(m.subject for m in mail.outbox if m is not told) == [
        f"Your order {item.order.public_id} is paid",
        "Your refund of $199.00 is on its way",
    ]
    # refund.completed reversed payouts' earned revenue, and found no enrollment to end.
    assert statuses(order_item) == REVERSED
    assert set(consumer_delivery_statuses()) == {OutboxDelivery.Status.DELIVERED}
    nothing_wrong()


def test_a_refusal_delivered_twice_and_shuffled_refunds_once(monkeypatch):
    order_item, course, user = paid_while_nothing_is_delivered(monkeypatch)
    refuse_for_good("archived course", course, user)

    deliver_all(shuffled=True, twice=True, seed=3)
    redeliver(OutboxDelivery.objects.get(consumer=CONSUMER))  # once more, later still

    assert Refund.objects.filter(order_item=order_item).count() == 1
    assert OrderItem.objects.get(pk=order_item.pk).refunded_minor == 19900
    assert OutboxEvent.objects.filter(event_type=REFUNDED).count() == 1
    assert len(mail.outbox) == 3  # the refusal, the payment and the refund: each once
    assert len({message.subject for message in mail.outbox}) == 3
    assert not Enrollment.objects.exists()
    assert statuses(order_item) == REVERSED
    assert set(consumer_delivery_statuses()) == {OutboxDelivery.Status.DELIVERED}
    nothing_wrong()


def test_a_course_the_lms_does_not_know_is_retried_not_refunded(monkeypatch):
    order_item, course, _user = paid_while_nothing_is_delivered(monkeypatch)
    known_as = course.public_id
    # The LMS cannot find the course (a configuration being fixed, an ordering problem).
    Course.objects.filter(pk=course.pk).update(public_id="crs_elsewhere")
    delivery = OutboxDelivery.objects.get(consumer=CONSUMER)

    assert outbox_delivery_attempt(delivery_id=delivery.pk).status == "retry"

    delivery.refresh_from_db()
    assert delivery.status == OutboxDelivery.Status.PENDING
    assert f"no course has the id '{known_as}'" in delivery.last_error
    assert not Refund.objects.exists()
    assert OrderItem.objects.get(pk=order_item.pk).fulfilment == OrderItem.Fulfilment.PENDING

    Course.objects.filter(pk=course.pk).update(public_id=known_as)
    deliver_all()

    assert enrollment_of(order_item).state == Enrollment.State.PENDING
    assert not Refund.objects.exists()
    nothing_wrong()


def test_a_refused_item_is_reported_until_its_refund_reaches_the_ledger(monkeypatch):
    order_item, course, user = paid_while_nothing_is_delivered(monkeypatch)
    refuse_for_good("archived course", course, user)
    # The processor is not asked yet: the refund waits, nothing of the item is paid back.
    monkeypatch.setattr("commerce.services.refunds._enqueue_refund_send", lambda refund_id: None)

    deliver_all()

    [finding] = reconcile(repair=False)
    assert (finding.kind, finding.order_item_id) == (REJECTED_NOT_REFUNDED, order_item.public_id)
    assert "refused to enroll" in finding.problem and "keeps 19900 USD" in finding.problem

    refund_send(refund_id=Refund.objects.get(order_item=order_item).public_id)
    deliver_all()
    nothing_wrong()


def test_a_free_item_refused_for_good_owes_nobody_anything(monkeypatch):
    user, (course, item) = learner(), course_for_sale("199.00")
    monkeypatch.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
    order_item = free_purchase(user, item)
    refuse_for_good("archived course", course, user)

    deliver_all()

    assert OrderItem.objects.get(pk=order_item.pk).fulfilment == OrderItem.Fulfilment.REJECTED
    assert not Enrollment.objects.exists() and not Refund.objects.exists()
    assert reconcile(repair=False) == []
