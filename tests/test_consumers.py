"""The in-process connectors, driven by real publishes of each context's services (eager mode)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cadence.kernel.money import Money
from commerce.models import CatalogCourse, CommerceUser, OrderItem, Refund
from commerce.selectors import course_is_for_sale
from commerce.services import refund_issue
from connectors.consumers.enrollment_status import APPROVED_CONSUMER
from connectors.models import OutboxDelivery, OutboxEvent
from connectors.outbox.services import outbox_delivery_attempt
from lms.data import EnrollmentApproved
from lms.events import enrollment_approved
from lms.models import Certificate, Enrollment, User
from lms.services import (
    course_archive,
    enrollment_approve,
    enrollment_complete,
    enrollment_reject,
    enrollment_start,
    user_profile_update,
)
from lms.tests.factories import StaffFactory
from payouts.models import Payee
from tests.lifecycle import (
    course_for_sale,
    deliver_all,
    enrollment_of,
    learner,
    purchase,
    redeliver,
)

pytestmark = pytest.mark.django_db(transaction=True)


def fresh(model, obj):
    # Protected FSM fields: read the row again rather than refresh_from_db().
    return model.objects.get(pk=obj.pk)


def test_a_new_user_reaches_commerce_and_a_profile_change_follows():
    user = learner("ada")
    cached = CommerceUser.objects.get(lms_user_id=user.public_id)
    assert (cached.email, cached.name) == ("ada@example.com", "Ada Example")

    user_profile_update(user=user, email="ada@new.example", first_name="Ada", last_name="L")

    cached = CommerceUser.objects.get(lms_user_id=user.public_id)
    assert (cached.email, cached.name) == ("ada@new.example", "Ada L")


def test_a_superuser_made_on_the_command_line_reaches_commerce_and_payouts():
    call_command(
        "createsuperuser",
        interactive=False,
        username="root",
        email="root@example.com",
        stdout=StringIO(),
    )

    root = User.objects.get(username="root")
    [event] = OutboxEvent.objects.filter(event_type="cadence.lms.user.created.v1")
    assert event.payload["id"] == root.public_id
    assert CommerceUser.objects.get(lms_user_id=root.public_id).email == "root@example.com"
    assert Payee.objects.get(user_id=root.public_id).email == "root@example.com"


def test_a_late_older_user_sync_does_not_overwrite_a_newer_one():
    user = learner("grace")
    user_profile_update(user=user, email="grace@new.example", first_name="Grace", last_name="H")
    created = OutboxDelivery.objects.get(consumer="commerce:user-created")

    redeliver(created)  # the sign-up's event again, after the profile change

    assert CommerceUser.objects.get(lms_user_id=user.public_id).email == "grace@new.example"


def test_a_published_course_enters_the_catalogue_and_goes_off_sale_when_archived():
    course, _item = course_for_sale(title="Django in depth")
    cached = CatalogCourse.objects.get(lms_course_id=course.public_id)
    assert cached.title == "Django in depth"
    assert cached.content_creator_id == course.content_creator.public_id
    assert course_is_for_sale(course_id=course.public_id)
    course_archive(course=course)
    assert not course_is_for_sale(course_id=course.public_id)


def test_a_payment_asks_the_lms_for_a_pending_enrollment_with_the_purchase():
    user = learner()
    course, item = course_for_sale("199.00")
    order_item = purchase(user, item)

    enrollment = enrollment_of(order_item)
    assert enrollment.state == Enrollment.State.PENDING  # the course requires approval
    assert enrollment.user == user and enrollment.course == course
    assert enrollment.external_order_id == order_item.order.public_id
    assert (enrollment.purchase_amount_minor, enrollment.purchase_currency) == (19900, "USD")
    assert fresh(OrderItem, order_item).fulfilment == OrderItem.Fulfilment.PENDING


def test_auto_approval_flows_back_and_fulfils_the_order_item():
    user = learner()
    _course, item = course_for_sale(requires_approval=False)
    item.auto_approve = True
    item.save(update_fields=["auto_approve"])

    order_item = purchase(user, item)

    assert enrollment_of(order_item).state == Enrollment.State.APPROVED
    assert fresh(OrderItem, order_item).fulfilment == OrderItem.Fulfilment.APPROVED


def test_a_staff_approval_fulfils_the_order_item():
    order_item = purchase(learner(), course_for_sale()[1])

    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())

    item = fresh(OrderItem, order_item)
    assert item.fulfilment == OrderItem.Fulfilment.APPROVED
    assert item.enrollment_id == enrollment_of(order_item).public_id


def test_the_order_item_follows_its_enrollment_through_every_status():
    order_item = purchase(learner(), course_for_sale()[1])
    staff = StaffFactory()

    def status() -> str:
        return fresh(OrderItem, order_item).enrollment_status

    assert status() == "pending"
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    assert status() == "approved"
    enrollment = enrollment_of(order_item)
    enrollment_start(enrollment=enrollment, actor=enrollment.user)
    assert status() == "in_progress"
    enrollment_complete(enrollment=enrollment_of(order_item), grade=90, actor=staff)
    assert status() == "completed"
    refund_issue(order_item_id=order_item.public_id, reason="Chargeback")
    assert status() == "revoked"
    assert not OutboxDelivery.objects.exclude(status=OutboxDelivery.Status.DELIVERED).exists()


def test_a_rejection_refunds_the_order_item_and_leaves_the_enrollment_rejected():
    order_item = purchase(learner(), course_for_sale()[1])

    enrollment_reject(
        enrollment=enrollment_of(order_item), actor=StaffFactory(), reason="Prerequisite missing"
    )

    item = fresh(OrderItem, order_item)
    assert item.fulfilment == OrderItem.Fulfilment.REJECTED
    refund = Refund.objects.get(order_item=item)
    assert (refund.state, refund.amount_minor) == (Refund.State.SUCCEEDED, 19900)
    # The refund's own event reaches the LMS too, and finds nothing left to end.
    assert enrollment_of(order_item).state == Enrollment.State.REJECTED
    assert not OutboxDelivery.objects.exclude(status=OutboxDelivery.Status.DELIVERED).exists()


def test_a_full_refund_cancels_an_approved_enrollment():
    order_item = purchase(learner(), course_for_sale()[1])
    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())

    refund_issue(order_item_id=order_item.public_id, reason="Changed my mind")

    assert enrollment_of(order_item).state == Enrollment.State.CANCELLED


def test_a_full_refund_after_completion_revokes_the_enrollment_and_its_certificate():
    order_item = purchase(learner(), course_for_sale()[1])
    staff = StaffFactory()
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    enrollment_complete(enrollment=enrollment_of(order_item), grade=90, actor=staff)
    assert Certificate.objects.get(enrollment=enrollment_of(order_item)).revoked_at is None

    refund_issue(order_item_id=order_item.public_id, reason="Chargeback")

    assert enrollment_of(order_item).state == Enrollment.State.REVOKED
    assert Certificate.objects.get(enrollment=enrollment_of(order_item)).revoked_at is not None


def test_a_partial_refund_leaves_the_learner_their_access_until_nothing_is_left():
    order_item = purchase(learner(), course_for_sale()[1])
    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())

    refund_issue(order_item_id=order_item.public_id, amount=Money.parse("50.00", "USD"))
    assert enrollment_of(order_item).state == Enrollment.State.APPROVED

    refund_issue(order_item_id=order_item.public_id)  # the rest
    assert enrollment_of(order_item).state == Enrollment.State.CANCELLED


def test_an_approval_naming_an_item_its_order_does_not_hold_is_retried_with_the_reason(
    monkeypatch,
):
    order_item = purchase(learner(), course_for_sale()[1])
    # One attempt by hand: run eagerly, the task would retry at once until the dead letter.
    monkeypatch.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
    with transaction.atomic():
        envelope = enrollment_approved.publish(
            EnrollmentApproved(
                enrollment_id="enr_early",
                order_id=order_item.order.public_id,
                order_item_id="oi_unknown",
                status="approved",
                approved_at=timezone.now(),
                approved_by="auto-approval",
            )
        )

    delivery = OutboxDelivery.objects.get(
        event__event_id=envelope.event_id, consumer=APPROVED_CONSUMER
    )
    assert outbox_delivery_attempt(delivery_id=delivery.pk).status == "retry"

    delivery.refresh_from_db()
    assert delivery.status == OutboxDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert "no order item 'oi_unknown'" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() - timedelta(seconds=1)


def test_an_enrollment_without_an_order_concerns_commerce_not_at_all():
    with transaction.atomic():
        envelope = enrollment_approved.publish(
            EnrollmentApproved(
                enrollment_id="enr_staff",
                order_id=None,
                order_item_id=None,
                status="approved",
                approved_at=timezone.now(),
                approved_by="usr_staff",
            )
        )

    delivery = OutboxDelivery.objects.get(
        event__event_id=envelope.event_id, consumer=APPROVED_CONSUMER
    )
    assert delivery.status == OutboxDelivery.Status.DELIVERED


def test_an_interaction_with_an_enrollment_without_an_order_concerns_payouts_not_at_all():
    from lms.services import interaction_record
    from lms.tests.factories import EnrollmentFactory, UserFactory
    from payouts.models import InstructorEngagement, InstructorInteraction

    staff_made = EnrollmentFactory(external_order_id=None, external_order_item_id=None)

    interaction_record(
        enrollment=staff_made,
        instructor=UserFactory(),
        kind="discussion-reply",
        amount=1,
        source_key="discussion-reply:staff-made",
        occurred_at=timezone.now(),
    )

    delivery = OutboxDelivery.objects.get(consumer="payouts:interaction-recorded")
    assert delivery.status == OutboxDelivery.Status.DELIVERED
    assert not InstructorEngagement.objects.exists()
    assert not InstructorInteraction.objects.exists()


def _lifecycle_without_kicks(monkeypatch) -> OrderItem:
    """Buy, approve, complete and refund while no delivery is kicked: every event waits."""
    user, (_course, item) = learner(), course_for_sale()
    monkeypatch.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
    order_item = purchase(user, item)
    deliver_all()  # the enrollment must exist before staff can act on it
    staff = StaffFactory()
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    enrollment_complete(enrollment=enrollment_of(order_item), grade=88, actor=staff)
    refund_issue(order_item_id=order_item.public_id, amount=Money.parse("20.00", "USD"))
    refund_issue(order_item_id=order_item.public_id)
    return order_item


def _final_state(order_item: OrderItem) -> tuple:
    item = fresh(OrderItem, order_item)
    enrollment = enrollment_of(order_item)
    return (
        enrollment.state,
        Certificate.objects.get(enrollment=enrollment).revoked_at is not None,
        item.fulfilment,
        item.enrollment_status,
        item.enrollment_id == enrollment.public_id,
        item.refunded_minor,
        Refund.objects.filter(order_item=item).count(),
        Enrollment.objects.count(),
    )


EXPECTED = (
    Enrollment.State.REVOKED,
    True,
    OrderItem.Fulfilment.APPROVED,
    OrderItem.EnrollmentStatus.REVOKED,
    True,
    19900,
    2,
    1,
)


def test_the_lifecycle_delivered_in_order_ends_revoked_and_fulfilled(monkeypatch):
    order_item = _lifecycle_without_kicks(monkeypatch)
    deliver_all()
    assert _final_state(order_item) == EXPECTED


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_lifecycle_delivered_twice_and_shuffled_ends_in_the_same_state(monkeypatch, seed):
    order_item = _lifecycle_without_kicks(monkeypatch)
    deliver_all(shuffled=True, twice=True, seed=seed)
    assert _final_state(order_item) == EXPECTED
