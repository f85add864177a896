"""Orders that will not be paid: cancelled by the learner or staff, or expired when abandoned."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from commerce.errors import CommerceError, CommerceNotFound
from commerce.models import Order, Payment
from commerce.processors import NO_PROCESSOR, processor_named

logger = logging.getLogger(__name__)


def order_cancel(*, order_id: str, customer_id: str | None = None) -> Order:
    """Abandon a pending order (the learner gave up, or staff tidy up); its payment is cancelled
    here and, after commit, at the processor, so it can no longer be paid."""
    order, open_payments = _order_cancel(order_id=order_id, customer_id=customer_id)
    for payment in open_payments:
        try:
            processor_named(payment.processor).cancel_payment(reference=payment.processor_reference)
        except CommerceError:
            # Best effort: if the processor took the money meanwhile, its success report
            # still arrives and marks the order paid (a late success wins over a cancel).
            logger.warning("could not cancel payment %s at the processor", payment.public_id)
    return order


def orders_pending_expire(*, older_than: timedelta, limit: int = 500) -> int:
    """Cancel orders left pending longer than ``older_than`` (abandoned checkouts), which frees
    their seats and their coupon uses. Returns how many were cancelled; safe to run twice."""
    cutoff = timezone.now() - older_than
    order_ids = list(
        Order.objects.filter(state=Order.State.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("public_id", flat=True)[:limit]
    )
    cancelled = 0
    for order_id in order_ids:
        try:
            order_cancel(order_id=order_id)
        except CommerceError:
            continue  # paid or cancelled meanwhile
        cancelled += 1
    return cancelled


@transaction.atomic
def _order_cancel(*, order_id: str, customer_id: str | None) -> tuple[Order, list[Payment]]:
    order = Order.objects.select_for_update().filter(public_id=order_id).first()
    if order is None or (customer_id is not None and order.customer_id != customer_id):
        raise CommerceNotFound(f"no order '{order_id}'", field="orderId")
    if order.state != Order.State.PENDING:
        raise CommerceError(
            f"a {order.get_state_display().lower()} order cannot be cancelled", field="orderId"
        )
    open_payments = []
    for payment in Payment.objects.select_for_update().filter(order=order):
        if payment.state in {Payment.State.PENDING, Payment.State.REQUIRES_ACTION}:
            payment.cancel()
            payment.save()
            if payment.processor_reference and payment.processor != NO_PROCESSOR:
                open_payments.append(payment)
    order.cancel()
    order.save()
    return order, open_payments
