"""A paid order is one ``order.paid``: each consumer handles all its items in one delivery, a
redelivery doubles nothing, and ``payment.completed`` events queued before it still arrive."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import transaction

from commerce.models import CatalogItem, OrderItem
from commerce.tests.factories import buy
from connectors import registry
from connectors.models import OutboxDelivery, OutboxEvent, WebhookDelivery
from connectors.outbox.recorder import outbox_event_record
from connectors.reconciliation import PAID_NOT_ENROLLED, reconcile
from connectors.tests.factories import WebhookSubscriptionFactory
from lms import api as lms_api
from lms.models import Enrollment
from notifications.models import Notification
from payouts.models import EarnedRevenue, JournalEntry, JournalTransaction, Sale
from tests.lifecycle import course_for_sale, deliver_all, learner, redeliver

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_PAID = "cadence.commerce.order.paid.v1"
PAYMENT_COMPLETED = "cadence.commerce.payment.completed.v1"
PAID_CONSUMERS = {"lms:enrollment-request", "payouts:revenue-recorded", "notifications:order-paid"}


def order_of(user, *items: CatalogItem):
    order, _payment = buy(user.public_id, *items)
    return order


def settled_rows(order_item_ids: list[str]) -> dict:
    """What the order's items came to in the LMS and payouts, to compare across runs."""
    return {
        "enrollments": sorted(
            Enrollment.objects.filter(external_order_item_id__in=order_item_ids).values_list(
                "external_order_item_id", "state", "purchase_amount_minor"
            )
        ),
        "earnings": sorted(
            EarnedRevenue.objects.filter(sale__order_item_id__in=order_item_ids).values_list(
                "sale__order_item_id", "role", "user_id", "kind", "amount_minor", "status"
            )
        ),
        "journal": sorted(
            JournalEntry.objects.filter(
                transaction__sale__order_item_id__in=order_item_ids
            ).values_list("transaction__sale__order_item_id", "account", "amount_minor")
        ),
    }


def test_a_paid_order_of_three_items_is_one_event_delivered_once_to_each_consumer():
    user = learner()
    items = [course_for_sale(requires_approval=True)[1] for _ in range(3)]

    order = order_of(user, *items)

    [event] = OutboxEvent.objects.filter(event_type__startswith="cadence.commerce.")
    assert event.event_type == ORDER_PAID
    assert [i["order_item_id"] for i in event.payload["items"]] == list(
        order.items.order_by("pk").values_list("public_id", flat=True)
    )
    deliveries = OutboxDelivery.objects.filter(event=event)
    assert set(deliveries.values_list("consumer", flat=True)) >= PAID_CONSUMERS
    assert set(deliveries.values_list("status", flat=True)) == {"delivered"}
    item_ids = list(order.items.values_list("public_id", flat=True))
    assert Enrollment.objects.filter(external_order_item_id__in=item_ids).count() == 3
    assert Sale.objects.filter(order_item_id__in=item_ids).count() == 3
    assert Notification.objects.filter(kind="order_paid", subject_id=order.public_id).count() == 1


def paid_undelivered(monkeypatch, user, *items: CatalogItem):
    """The learner pays; the payment's events wait in the outbox (no delivery is kicked)."""
    with monkeypatch.context() as patched:
        patched.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
        return order_of(user, *items)


def order_paid_envelope(order):
    event = OutboxEvent.objects.get(event_type=ORDER_PAID, payload__order_id=order.public_id)
    declared = registry.consumer_named("lms:enrollment-request", ORDER_PAID).event
    return declared.envelope_from_json(
        event_id=event.event_id, occurred_at=event.occurred_at, payload=event.payload
    )


def assert_ends_alike(reference, order) -> None:
    """The two orders of the same catalog items came to the same rows, item for item."""
    first_ids = list(reference.items.order_by("pk").values_list("public_id", flat=True))
    second_ids = list(order.items.order_by("pk").values_list("public_id", flat=True))
    rename = dict(zip(second_ids, first_ids, strict=True))
    second = {
        table: sorted((rename[row[0]], *row[1:]) for row in rows)
        for table, rows in settled_rows(second_ids).items()
    }
    assert second == settled_rows(first_ids)
    assert len(second["enrollments"]) == len(first_ids) and second["earnings"] and second["journal"]


def test_the_order_at_once_ends_as_its_items_one_by_one_would(monkeypatch):
    """The batch paths of the LMS and payouts write what their one-item paths write."""
    catalog = [course_for_sale(requires_approval=True)[1] for _ in range(3)]
    together = order_of(learner(), *catalog)
    one_by_one = paid_undelivered(monkeypatch, learner(), *catalog)
    paid = order_paid_envelope(one_by_one)
    OutboxDelivery.objects.filter(
        event__event_id=paid.event_id,
        consumer__in=["lms:enrollment-request", "payouts:revenue-recorded"],
    ).delete()

    for item in paid.payload.items:
        for name in ("lms:enrollment-request", "payouts:revenue-recorded"):
            consumer = registry.consumer_named(name, PAYMENT_COMPLETED)
            with transaction.atomic():
                consumer.handle(replace(paid, event_type=PAYMENT_COMPLETED, payload=item))
    deliver_all()

    assert_ends_alike(together, one_by_one)
    assert JournalTransaction.objects.filter(key__startswith="sale:").count() == 6


def test_a_redelivered_order_paid_doubles_no_enrollment_sale_or_earning():
    user = learner()
    order = order_of(user, *[course_for_sale()[1] for _ in range(3)])
    item_ids = list(order.items.values_list("public_id", flat=True))
    before = settled_rows(item_ids)

    for delivery in OutboxDelivery.objects.filter(
        event__event_type=ORDER_PAID, consumer__in=PAID_CONSUMERS
    ):
        redeliver(delivery)
    deliver_all(twice=True)

    assert settled_rows(item_ids) == before
    assert Sale.objects.filter(order_item_id__in=item_ids).count() == 3
    assert Notification.objects.filter(kind="order_paid").count() == 1


def test_an_item_the_lms_refuses_for_good_is_refunded_and_the_others_are_enrolled(
    monkeypatch,
):
    from lms.models import Course
    from lms.services import course_archive

    (kept_course, kept), (gone_course, gone) = course_for_sale(), course_for_sale()
    order = paid_undelivered(monkeypatch, learner(), kept, gone)
    course_archive(course=Course.objects.get(pk=gone_course.pk))

    deliver_all()

    by_course = {i.course_id: i for i in OrderItem.objects.filter(order=order)}
    kept_item, refused = by_course[kept_course.public_id], by_course[gone_course.public_id]
    assert Enrollment.objects.filter(external_order_item_id=kept_item.public_id).exists()
    assert not Enrollment.objects.filter(external_order_item_id=refused.public_id).exists()
    assert refused.fulfilment == OrderItem.Fulfilment.REJECTED
    assert refused.refunds.get().amount_minor == refused.total_minor
    assert kept_item.fulfilment != OrderItem.Fulfilment.REJECTED


def test_the_lms_answers_each_request_of_an_order_in_its_place():
    from connectors.consumers.enrollment_request import pending_enrollment_request

    order = order_of(learner(), course_for_sale()[1])
    [known] = order.items.all()
    request = pending_enrollment_request(order_paid_envelope(order).payload.items[0])
    unknown_user = replace(request, external_order_item_id="oi_other", user_id="usr_nobody")
    no_key = replace(request, external_order_item_id=" ")

    answers = lms_api.enrollment_requests([unknown_user, request, no_key])

    assert [getattr(a, "field", None) for a in answers] == ["userId", None, "externalOrderItemId"]
    assert request.external_order_item_id == known.public_id
    assert (answers[1].created, answers[1].status) == (False, "pending")
    assert answers[1].enrollment_id == Enrollment.objects.get().public_id


def test_payment_completed_events_queued_before_order_paid_are_still_delivered(monkeypatch):
    """A database upgraded with per-item events in its outbox: the same consumer names handle
    them with the per-item functions, and the order ends as an order.paid would leave it."""
    catalog = [course_for_sale()[1] for _ in range(2)]
    reference = order_of(learner(), *catalog)
    queued_before = paid_undelivered(monkeypatch, learner(), *catalog)
    paid = order_paid_envelope(queued_before)
    OutboxDelivery.objects.filter(event__event_id=paid.event_id).delete()

    with transaction.atomic():
        for item, item_event_id in zip(
            paid.payload.items, paid.payload.item_event_ids, strict=True
        ):
            outbox_event_record(
                envelope=replace(
                    paid, event_id=item_event_id, event_type=PAYMENT_COMPLETED, payload=item
                )
            )
    deliver_all()

    legacy = OutboxDelivery.objects.filter(event__event_type=PAYMENT_COMPLETED)
    assert set(legacy.values_list("consumer", flat=True)) >= PAID_CONSUMERS
    assert legacy.count() == 2 * len(set(legacy.values_list("consumer", flat=True)))
    assert set(legacy.values_list("status", flat=True)) == {"delivered"}
    assert_ends_alike(reference, queued_before)
    assert (
        Notification.objects.filter(kind="order_paid", subject_id=queued_before.public_id).count()
        == 1
    )


def test_a_dead_order_paid_delivery_is_found_per_item_and_delivered_again(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1

    def failing(*args, **kwargs):
        raise RuntimeError("the LMS is down")

    user = learner()
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.enrollment_request.lms_api.enrollment_requests", failing
        )
        order = order_of(user, course_for_sale()[1], course_for_sale()[1])
    item_ids = sorted(order.items.values_list("public_id", flat=True))
    dead = OutboxDelivery.objects.get(consumer="lms:enrollment-request", status="dead")

    findings = reconcile(repair=False)

    assert sorted((f.kind, f.order_item_id) for f in findings) == [
        (PAID_NOT_ENROLLED, item_id) for item_id in item_ids
    ]
    assert {f.dead_delivery_ids for f in findings} == {(dead.pk,)}
    assert "1 dead-lettered cadence.commerce.order.paid.v1 delivery" in findings[0].repair

    reconcile()

    assert Enrollment.objects.filter(external_order_item_id__in=item_ids).count() == 2
    assert reconcile() == []


def test_webhook_subscribers_hear_of_the_order_and_of_each_paid_item():
    everything = WebhookSubscriptionFactory(event_types="")
    per_item = WebhookSubscriptionFactory(event_types=PAYMENT_COMPLETED)
    user = learner()

    order = order_of(user, course_for_sale()[1], course_for_sale()[1])

    payload = OutboxEvent.objects.get(event_type=ORDER_PAID).payload
    sent = WebhookDelivery.objects.filter(event_type__startswith="cadence.commerce.")
    assert sorted(sent.filter(subscription=per_item).values_list("event_id", flat=True)) == sorted(
        payload["item_event_ids"]
    )
    assert sorted(sent.filter(subscription=everything).values_list("event_type", flat=True)) == [
        ORDER_PAID,
        PAYMENT_COMPLETED,
        PAYMENT_COMPLETED,
    ]
    item_body = sent.filter(subscription=per_item).order_by("pk").first().body
    assert f'"orderId":"{order.public_id}"' in item_body
    assert '"purchaseMetadata"' in item_body and '"items"' not in item_body


def test_a_refusal_that_may_pass_fails_the_order_before_any_item_is_refunded(monkeypatch):
    from cadence.kernel.errors import ApplicationError
    from commerce.models import Refund
    from connectors.outbox.services import outbox_delivery_attempt

    order = paid_undelivered(monkeypatch, learner(), course_for_sale()[1], course_for_sale()[1])
    monkeypatch.setattr(
        "connectors.consumers.enrollment_request.lms_api.enrollment_requests",
        lambda requests: [
            ApplicationError("the course is archived", field="courseId", code="unavailable"),
            ApplicationError("no course has the id", field="courseId", code="not_found"),
        ],
    )
    refunded = []
    monkeypatch.setattr(
        "connectors.consumers.enrollment_request.commerce_api.order_item_enrollment_rejected",
        lambda **kwargs: refunded.append(kwargs["order_item_id"]),
    )
    delivery = OutboxDelivery.objects.get(
        consumer="lms:enrollment-request", event__payload__order_id=order.public_id
    )

    outcome = outbox_delivery_attempt(delivery_id=delivery.pk)

    assert outcome.status == "retry"
    assert "no course has the id" in OutboxDelivery.objects.get(pk=delivery.pk).last_error
    # Commerce was not asked to refund (and so to call its processor) for an order that is
    # delivered again later.
    assert refunded == []
    assert not Refund.objects.filter(order_item__order=order).exists()


# --- the order's new enrollments: one event from the LMS ----------------------------------------

ENROLLMENTS_REQUESTED = "cadence.lms.order_enrollments.requested.v1"
ENROLLMENT_REQUESTED = "cadence.lms.enrollment.requested.v1"


def test_an_orders_new_enrollments_are_one_event_and_one_waiting_notification():
    user = learner()
    (first, first_item), (second, second_item) = course_for_sale(), course_for_sale()
    (taken_at_once, free_item) = course_for_sale(requires_approval=False)

    order = order_of(user, first_item, second_item, free_item)

    assert not OutboxEvent.objects.filter(event_type=ENROLLMENT_REQUESTED).exists()
    [event] = OutboxEvent.objects.filter(event_type=ENROLLMENTS_REQUESTED)
    assert (event.payload["order_id"], event.payload["user_id"]) == (
        order.public_id,
        user.public_id,
    )
    enrollments = Enrollment.objects.filter(external_order_id=order.public_id)
    assert sorted(e["enrollment_id"] for e in event.payload["enrollments"]) == sorted(
        enrollments.values_list("public_id", flat=True)
    )
    assert set(OutboxDelivery.objects.filter(event=event).values_list("status", flat=True)) == {
        "delivered"
    }
    # Staff decide on two; the automatic approval took the third at once.
    [waiting] = Notification.objects.filter(kind="enrollment_pending")
    assert (waiting.recipient_id, waiting.subject_id) == (user.public_id, order.public_id)
    assert first.title in waiting.title and second.title in waiting.title
    assert taken_at_once.title not in waiting.title
    assert waiting.emailed_at is not None
    assert enrollments.get(course=taken_at_once).state == "approved"

    for delivery in OutboxDelivery.objects.filter(event=event):
        redeliver(delivery)
    deliver_all(twice=True)

    assert Notification.objects.filter(kind="enrollment_pending").count() == 1


def test_an_order_the_automatic_approval_takes_whole_tells_of_no_waiting():
    order = order_of(learner(), course_for_sale(requires_approval=False)[1])

    assert OutboxEvent.objects.filter(event_type=ENROLLMENTS_REQUESTED).count() == 1
    assert not Notification.objects.filter(kind="enrollment_pending").exists()
    assert Enrollment.objects.get(external_order_id=order.public_id).state == "approved"


def test_webhook_subscribers_hear_of_each_new_enrollment_of_the_order():
    per_enrollment = WebhookSubscriptionFactory(event_types=ENROLLMENT_REQUESTED)

    order = order_of(learner(), course_for_sale()[1], course_for_sale()[1])

    payload = OutboxEvent.objects.get(event_type=ENROLLMENTS_REQUESTED).payload
    sent = WebhookDelivery.objects.filter(subscription=per_enrollment).order_by("pk")
    assert list(sent.values_list("event_type", flat=True)) == [ENROLLMENT_REQUESTED] * 2
    assert list(sent.values_list("event_id", flat=True)) == payload["enrollment_event_ids"]
    for body, enrollment in zip(
        sent.values_list("body", flat=True), payload["enrollments"], strict=True
    ):
        assert f'"enrollmentId":"{enrollment["enrollment_id"]}"' in body
        assert f'"orderId":"{order.public_id}"' in body and '"enrollments"' not in body


def test_an_enrollment_requested_queued_before_the_order_event_is_still_told():
    """A database upgraded with per-enrollment events in its outbox: the same consumer name
    tells the learner of each, as before."""
    from lms.data import EnrollmentRequested
    from lms.events import enrollment_requested

    order = order_of(learner(), course_for_sale()[1])
    Notification.objects.filter(kind="enrollment_pending").delete()
    enrollment = Enrollment.objects.select_related("user", "course").get(
        external_order_id=order.public_id
    )

    with transaction.atomic():
        enrollment_requested.publish(
            EnrollmentRequested(
                enrollment_id=enrollment.public_id,
                order_id=enrollment.external_order_id,
                order_item_id=enrollment.external_order_item_id,
                user_id=enrollment.user.public_id,
                course_id=enrollment.course.public_id,
                instructor_id=None,
                requested_at=enrollment.requested_at,
            )
        )
    deliver_all()

    [waiting] = Notification.objects.filter(kind="enrollment_pending")
    assert waiting.subject_id == enrollment.public_id
