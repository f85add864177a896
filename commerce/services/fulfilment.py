"""What the LMS decided about, and did with, the enrollment an order item paid for.

The LMS tells commerce (Connector 2) when the enrollment is approved, rejected, started,
completed, cancelled or revoked; news may come late, twice or out of order. Its state machine
only moves forward (pending → approved → in progress → completed → revoked; pending → rejected;
pending | approved | in progress → cancelled), so the item keeps the furthest status it heard of,
whatever arrives after it. A status reached only after an approval fulfils the item even if the
approval itself has not arrived yet.

An order id commerce never issued is a sale of an outside commerce system that asked the LMS for
the enrollment over HTTP: that system learns the status from the outbound webhooks, and there is
nothing for commerce to do (the functions below return ``None``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from cadence.kernel.transactions import service_atomic
from commerce.errors import CommerceError, CommerceNotFound
from commerce.models import CommerceUser, Order, OrderItem
from commerce.services.refunds import refund_for_rejection

logger = logging.getLogger(__name__)

Status = OrderItem.EnrollmentStatus

# How far along its life each status is; no transition leads to a lower rank, and two statuses
# of one rank never both happen to one enrollment (rejected is only reached from pending, and
# completed and cancelled exclude each other).
STATUS_RANK = {
    Status.PENDING: 0,
    Status.APPROVED: 1,
    Status.REJECTED: 1,
    Status.IN_PROGRESS: 2,
    Status.COMPLETED: 3,
    Status.CANCELLED: 3,
    Status.REVOKED: 4,
}
# Statuses an enrollment reaches only after it was approved.
AFTER_APPROVAL = {Status.APPROVED, Status.IN_PROGRESS, Status.COMPLETED, Status.REVOKED}


@service_atomic
def order_item_fulfil(
    *,
    order_item_id: str,
    enrollment_id: str,
    order_id: str | None = None,
    at: datetime | None = None,
) -> OrderItem | None:
    """The learner's enrollment was approved: the item is fulfilled. Idempotent; a decision
    already recorded (approved or rejected) is kept. ``None`` for an order commerce never issued
    (only checked when ``order_id`` is given)."""
    return order_item_enrollment_status_record(
        order_id=order_id,
        order_item_id=order_item_id,
        enrollment_id=enrollment_id,
        status=Status.APPROVED,
        at=at,
    )


@service_atomic
def order_item_reject(
    *,
    order_item_id: str,
    enrollment_id: str,
    reason: str,
    order_id: str | None = None,
    at: datetime | None = None,
) -> OrderItem | None:
    """The LMS rejected the enrollment: refund the item automatically and tell the learner why.

    Idempotent: a second delivery neither refunds twice nor writes to the learner twice. ``None``
    for an order commerce never issued (only checked when ``order_id`` is given).
    """
    item = _own_item_locked(order_id=order_id, order_item_id=order_item_id)
    if item is None:
        return None
    if item.fulfilment == OrderItem.Fulfilment.APPROVED:
        return item
    reason = reason or "The enrollment was not approved."
    if item.fulfilment == OrderItem.Fulfilment.PENDING:
        item.reject(enrollment_id=enrollment_id, reason=reason)
        customer_id, title = item.order.customer_id, item.course_title
        transaction.on_commit(lambda: _tell_learner(customer_id, title, reason))
    _status_follow(item, Status.REJECTED, at)
    item.save()
    refund_for_rejection(order_item_id=order_item_id, reason=reason)
    return item


@service_atomic
def order_item_enrollment_status_record(
    *,
    order_id: str | None,
    order_item_id: str,
    enrollment_id: str,
    status: str,
    at: datetime | None = None,
) -> OrderItem | None:
    """Keep the enrollment's status on the item (approved, in progress, completed, cancelled,
    revoked), unless a later one is known already; a status after approval fulfils the item.

    A rejection goes through ``order_item_reject`` (it refunds). ``None`` for an order commerce
    never issued (only checked when ``order_id`` is given).
    """
    if status not in STATUS_RANK or status in {Status.PENDING, Status.REJECTED}:
        raise CommerceError(f"'{status}' is not a status this records", field="status")
    item = _own_item_locked(order_id=order_id, order_item_id=order_item_id)
    if item is None:
        return None
    if status in AFTER_APPROVAL and item.fulfilment == OrderItem.Fulfilment.PENDING:
        item.approve(enrollment_id=enrollment_id)
    _status_follow(item, status, at)
    item.save()
    return item


def _status_follow(item: OrderItem, status: str, at: datetime | None) -> None:
    if STATUS_RANK[Status(status)] > STATUS_RANK[Status(item.enrollment_status)]:
        item.enrollment_status = status
        item.enrollment_status_at = at or timezone.now()


def _own_item_locked(*, order_id: str | None, order_item_id: str) -> OrderItem | None:
    if order_id is not None and not Order.objects.filter(public_id=order_id).exists():
        # Commerce issues every order id it sells under before the LMS hears of the sale, so an
        # unknown one is another seller's, not one still on its way.
        logger.info("enrollment news for %s/%s: not an order of ours", order_id, order_item_id)
        return None
    item = _item_locked(order_item_id)
    if order_id is not None and item.order.public_id != order_id:
        raise CommerceNotFound(
            f"order item '{order_item_id}' is not in order '{order_id}'", field="orderId"
        )
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
