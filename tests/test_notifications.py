"""Every fact people hear about reaches them once, in the app and by email, through the outbox."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from commerce.services import refund_issue
from connectors.models import OutboxDelivery
from lms.services import enrollment_approve, enrollment_complete, enrollment_reject
from lms.services.interactions import interaction_record
from lms.tests.factories import StaffFactory
from notifications.models import Notification, NotificationPreference
from payouts.data import PayoutSettled
from payouts.events import payout_completed, payout_failed
from tests.lifecycle import course_for_sale, enrollment_of, learner, purchase, redeliver

pytestmark = pytest.mark.django_db(transaction=True)


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def only_email(address: str, kind: str):
    notification = Notification.objects.get(recipient_email=address, kind=kind)
    [message] = [m for m in emails_to(address) if m.subject == notification.title]
    return notification, message


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_a_paid_order_tells_the_buyer_once_however_many_times_it_is_delivered():
    ada = learner("ada")
    order_item = purchase(ada, course_for_sale()[1])

    notification, message = only_email("ada@example.com", "order_paid")
    assert notification.recipient_id == ada.public_id
    assert order_item.order.public_id in message.subject
    assert f"/orders/{order_item.order.public_id}/" in message.body
    assert f"/orders/{order_item.order.public_id}/" in html_of(message)
    assert "turn these emails off" not in message.body  # essential: always sent

    redeliver(OutboxDelivery.objects.get(consumer="notifications:order-paid"))
    assert Notification.objects.filter(kind="order_paid").count() == 1
    assert len([m for m in emails_to("ada@example.com") if "is paid" in m.subject]) == 1


def test_a_pending_enrollment_then_its_approval_are_told_to_the_learner():
    ada = learner("ada")
    course, item = course_for_sale(title="Django for grown-ups")
    order_item = purchase(ada, item)

    pending, message = only_email("ada@example.com", "enrollment_pending")
    assert "Django for grown-ups" in pending.title
    assert "turn these emails off" in message.body

    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())
    approved, message = only_email("ada@example.com", "enrollment_approved")
    assert approved.title == "You're in: Django for grown-ups"
    assert f"/learning/courses/{course.slug}/" in message.body


def test_an_auto_approved_enrollment_is_not_announced_as_waiting():
    ada = learner("ada")
    purchase(ada, course_for_sale(requires_approval=False)[1])

    assert not Notification.objects.filter(kind="enrollment_pending").exists()
    assert Notification.objects.filter(kind="enrollment_approved").exists()


def test_a_rejection_tells_the_reason_and_the_refund():
    ada = learner("ada")
    order_item = purchase(ada, course_for_sale()[1])

    enrollment_reject(
        enrollment=enrollment_of(order_item), actor=StaffFactory(), reason="Prerequisite missing"
    )

    _rejected, message = only_email("ada@example.com", "enrollment_rejected")
    assert "Prerequisite missing" in message.body
    refunded, message = only_email("ada@example.com", "refund_completed")
    assert "$199.00" in refunded.title and "$199.00" in message.body


def test_a_refund_asked_by_the_learner_is_told_with_its_amount():
    ada = learner("ada")
    order_item = purchase(ada, course_for_sale()[1])
    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())

    refund_issue(order_item_id=order_item.public_id, reason="Changed my mind")

    refund, _message = only_email("ada@example.com", "refund_completed")
    assert refund.title == "Your refund of $199.00 is on its way"


def test_grades_replies_and_certificates_reach_the_learner():
    ada = learner("ada")
    order_item = purchase(ada, course_for_sale(title="Testing")[1])
    staff = StaffFactory()
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    enrollment = enrollment_of(order_item)
    for kind in ("assignment-graded", "discussion-reply", "live-session"):
        with transaction.atomic():
            interaction_record(
                enrollment=enrollment,
                instructor=enrollment.instructor,
                kind=kind,
                amount=1,
                source_key=f"{kind}:1",
                occurred_at=timezone.now(),
            )

    graded, _ = only_email("ada@example.com", "assignment_graded")
    assert graded.title == "Your assignment in Testing was graded"
    replied, _ = only_email("ada@example.com", "reply_posted")
    assert replied.title == "New reply in Testing"

    enrollment_complete(enrollment=enrollment_of(order_item), grade=95, actor=staff)
    _certificate, message = only_email("ada@example.com", "certificate_issued")
    assert "/learning/" in message.body


def test_turned_off_kinds_are_not_sent_and_essential_ones_still_are():
    ada = learner("ada")
    NotificationPreference.objects.create(user_id=ada.public_id, kind="enrollment_pending",
                                          enabled=False)  # fmt: skip
    NotificationPreference.objects.create(user_id=ada.public_id, kind="order_paid", enabled=False)

    purchase(ada, course_for_sale()[1])

    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {"order_paid"}
    assert len(emails_to("ada@example.com")) == 1


def _publish(event, **fields) -> None:
    defaults = {"payout_id": "po_1", "amount": 12345, "currency": "USD", "method": "ach",
                "status": "completed"}  # fmt: skip
    with transaction.atomic():
        event.publish(PayoutSettled(**{**defaults, **fields}))


def test_a_payout_sent_and_a_returned_one_are_told_to_the_payee():
    grace = learner("grace")

    _publish(payout_completed, user_id=grace.public_id, payout_id="po_sent")
    sent, message = only_email("grace@example.com", "payout_sent")
    assert sent.title == "Payout po_sent of $123.45 was sent"
    assert "/earnings/payouts/" in message.body

    _publish(payout_failed, user_id=grace.public_id, payout_id="po_back", status="returned",
             reason="R03 No account")  # fmt: skip
    _action, message = only_email("grace@example.com", "payout_action_needed")
    assert "R03 No account" in message.body and "po_back" in message.body
    assert "/earnings/account/" in message.body


def test_an_unknown_person_is_nobody_to_tell():
    _publish(payout_completed, user_id="usr_unknown")

    assert not Notification.objects.exists()
    assert OutboxDelivery.objects.get(consumer="notifications:payout-sent").status == "delivered"
