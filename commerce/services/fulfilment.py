"""What the LMS decided about the enrollment an order item paid for."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from commerce.errors import CommerceNotFound
from commerce.models import CommerceUser, OrderItem
from commerce.services.refunds import refund_for_rejection


@transaction.atomic
def order_item_fulfil(*, order_item_id: str, enrollment_id: str) -> OrderItem:
    """The learner's enrollment was approved: the item is fulfilled. Idempotent; a decision
    already recorded (approved or rejected) is kept."""
    item = _item_locked(order_item_id)
    if item.fulfilment == OrderItem.Fulfilment.PENDING:
        item.approve(enrollment_id=enrollment_id)
        item.save()
    return item


@transaction.atomic
def order_item_reject(*, order_item_id: str, enrollment_id: str, reason: str) -> OrderItem:
    """The LMS rejected the enrollment: refund the item automatically and tell the learner why.

    Idempotent: a second delivery neither refunds twice nor writes to the learner twice.
    """
    item = _item_locked(order_item_id)
    if item.fulfilment == OrderItem.Fulfilment.APPROVED:
        return item
    reason = reason or "The enrollment was not approved."
    if item.fulfilment == OrderItem.Fulfilment.PENDING:
        item.reject(enrollment_id=enrollment_id, reason=reason)
        item.save()
        customer_id, title = item.order.customer_id, item.course_title
        transaction.on_commit(lambda: _tell_learner(customer_id, title, reason))
    refund_for_rejection(order_item_id=order_item_id, reason=reason)
    return item


def _item_locked(order_item_id: str) -> OrderItem:
    item = (
        OrderItem.objects.select_for_update()
        .select_related("order")
        .filter(public_id=order_item_id)
        .first()
    )
    if item is None:
        raise CommerceNotFound(f"no order item '{order_item_id}'", field="orderItemId")
    return item


def _tell_learner(customer_id: str, title: str, reason: str) -> None:
    user = CommerceUser.objects.filter(lms_user_id=customer_id).first()
    if user is None or not user.email:
        return  # the reason is still shown on their order page
    send_mail(
        subject=f"Your enrollment in {title} was not approved",
        message=(
            f"Your enrollment in {title} was not approved: {reason}\n\n"
            "We have refunded what you paid for it; it will reach your account within a few days."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
        fail_silently=True,
    )
