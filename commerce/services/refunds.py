"""Refunds: money back for (part of) an order item, through the processor that took it.

A refund is written pending first, then the processor is asked outside the transaction (with the
refund's id as idempotency key, so asking twice refunds once), then its answer is recorded. A
succeeded refund adds a negative ledger entry and publishes ``refund.completed``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from cadence.kernel.money import Money
from commerce import events
from commerce.data import RefundCompleted
from commerce.errors import CommerceError, CommerceNotFound
from commerce.models import Order, OrderItem, Payment, Refund, RevenueLedgerEntry
from commerce.pricing import refund_tax_part
from commerce.processors import NO_PROCESSOR, processor_named
from commerce.processors.base import RefundResult


def refund_issue(
    *,
    order_item_id: str,
    amount: Money | None = None,
    origin: str = Refund.Origin.STAFF,
    reason: str = "",
    requested_by: str = "",
) -> Refund:
    """Refund ``amount`` of an item (all that is left of it when ``None``) and report the result.

    Refuses an unpaid order, a zero or negative amount, another currency, and more than is left.
    Issuing again a refund whose outcome is still unknown (pending: the processor did not answer)
    asks for that same refund again, with its idempotency key, rather than opening a second one.
    """
    unknown = _pending_refund_reissued(order_item_id=order_item_id, amount=amount)
    if unknown is not None:
        return refund_send(refund_id=unknown.public_id)
    refund = _refund_open(
        order_item_id=order_item_id,
        amount=amount,
        origin=origin,
        reason=reason,
        requested_by=requested_by,
    )
    return refund_send(refund_id=refund.public_id)


def refund_send(*, refund_id: str) -> Refund:
    """Ask the processor to carry out a pending refund; safe to repeat (same idempotency key)."""
    refund = Refund.objects.select_related("payment").get(public_id=refund_id)
    if refund.state != Refund.State.PENDING:
        return refund
    if refund.payment.processor == NO_PROCESSOR:
        result = RefundResult(reference="", status="succeeded")
    else:
        result = processor_named(refund.payment.processor).refund(
            reference=refund.payment.processor_reference,
            amount=Money(refund.amount_minor, refund.currency),
            refund_id=refund.public_id,
        )
    return refund_record_result(
        refund_id=refund.public_id,
        status=result.status,
        processor_reference=result.reference,
        failure_message=result.failure_message,
    )


def _pending_refund_reissued(*, order_item_id: str, amount: Money | None) -> Refund | None:
    """The item's pending refund that this request repeats: the same amount, or "all that is
    left" when the pending refunds already hold all of it."""
    pending = list(
        Refund.objects.filter(order_item__public_id=order_item_id, state=Refund.State.PENDING)
        .select_related("order_item")
        .order_by("pk")
    )
    if not pending:
        return None
    if amount is None:
        item = pending[0].order_item
        return pending[0] if item.total_minor - _refunds_taken(item)["amount"] <= 0 else None
    return next(
        (r for r in pending if (r.amount_minor, r.currency) == (amount.minor, amount.currency)),
        None,
    )


def _refunds_taken(item: OrderItem) -> dict[str, int]:
    """What the item's refunds not failed have taken or hold: ``amount`` and its ``tax``."""
    return (
        Refund.objects.filter(order_item=item)
        .exclude(state=Refund.State.FAILED)
        .aggregate(amount=Sum("amount_minor", default=0), tax=Sum("tax_minor", default=0))
    )


@transaction.atomic
def _refund_open(
    *, order_item_id: str, amount: Money | None, origin: str, reason: str, requested_by: str
) -> Refund:
    item = OrderItem.objects.select_for_update().filter(public_id=order_item_id).first()
    if item is None:
        raise CommerceNotFound(f"no order item '{order_item_id}'", field="orderItemId")
    order = Order.objects.get(pk=item.order_id)
    if order.state not in {Order.State.PAID, Order.State.PARTIALLY_REFUNDED}:
        raise CommerceError(
            f"only a paid order can be refunded; this one is {order.get_state_display().lower()}",
            field="orderItemId",
        )
    taken = _refunds_taken(item)
    reserved = taken["amount"]
    left = item.total_minor - reserved
    if amount is None:
        amount = Money(left, order.currency)
    if amount.currency != order.currency:
        raise CommerceError(f"must be in {order.currency}", field="amount")
    if amount.minor <= 0:
        raise CommerceError("must be more than zero", field="amount")
    if amount.minor > left:
        raise CommerceError(
            f"at most {Money(left, order.currency)} of this item is left to refund", field="amount"
        )
    payment = Payment.objects.filter(order=order, state=Payment.State.SUCCEEDED).first()
    tax = refund_tax_part(
        refund_minor=amount.minor,
        item_total_minor=item.total_minor,
        item_tax_minor=item.tax_minor,
        tax_refunded_minor=taken["tax"],
        refunded_minor=reserved,
    )
    return Refund.objects.create(
        order_item=item,
        payment=payment,
        amount_minor=amount.minor,
        tax_minor=tax,
        currency=order.currency,
        origin=origin,
        reason=reason[:300],
        requested_by=requested_by,
    )


@transaction.atomic
def refund_record_result(
    *, refund_id: str, status: str, processor_reference: str = "", failure_message: str = ""
) -> Refund:
    """Record the processor's answer about a refund. Idempotent: a settled refund stays settled."""
    refund = Refund.objects.select_for_update().filter(public_id=refund_id).first()
    if refund is None:
        raise CommerceNotFound(f"no refund '{refund_id}'", field="refundId")
    if refund.state != Refund.State.PENDING or status == "pending":
        if processor_reference and not refund.processor_reference:
            Refund.objects.filter(pk=refund.pk).update(processor_reference=processor_reference)
        return refund
    if status == "failed":
        refund.fail(message=failure_message or "The processor refused the refund.")
        refund.save()
        return refund
    now = timezone.now()
    refund.succeed(processor_reference=processor_reference, at=now)
    refund.save()
    item = OrderItem.objects.select_for_update().get(pk=refund.order_item_id)
    order = Order.objects.select_for_update().get(pk=item.order_id)
    item.refunded_minor += refund.amount_minor
    item.save(update_fields=["refunded_minor"])
    # Processors keep their fee on a refund, so none of it comes back: the fee column is zero.
    RevenueLedgerEntry.objects.create(
        kind=RevenueLedgerEntry.Kind.REFUND,
        order_item=item,
        refund=refund,
        order_id=order.public_id,
        course_id=item.course_id,
        content_creator_id=item.content_creator_id,
        currency=refund.currency,
        gross_minor=-refund.amount_minor,
        discount_minor=0,
        tax_minor=-refund.tax_minor,
        fee_minor=0,
        net_minor=-(refund.amount_minor - refund.tax_minor),
        recorded_at=now,
    )
    nothing_left = item.refunded_minor >= item.total_minor and not (
        order.items.exclude(pk=item.pk).filter(refunded_minor__lt=F("total_minor")).exists()
    )
    if nothing_left:
        order.mark_refunded()
    else:
        order.mark_partially_refunded()
    order.save()
    events.refund_completed.publish(
        _refund_completed(refund=refund, item=item, order=order, at=now)
    )
    return refund


def _refund_completed(
    *, refund: Refund, item: OrderItem, order: Order, at: datetime
) -> RefundCompleted:
    return RefundCompleted(
        refund_id=refund.public_id,
        order_id=order.public_id,
        order_item_id=item.public_id,
        user_id=order.customer_id,
        course_id=item.course_id,
        content_creator_id=item.content_creator_id,
        enrollment_id=item.enrollment_id or None,
        gross_amount=refund.amount_minor,
        tax_amount=refund.tax_minor,
        platform_fee=0,
        net_amount=refund.amount_minor - refund.tax_minor,
        currency=refund.currency,
        item_gross_amount=item.total_minor,
        item_net_amount=item.total_minor - item.tax_minor - (item.fee_minor or 0),
        item_fully_refunded=item.refunded_minor >= item.total_minor,
        reason=refund.origin,
        refunded_at=at,
    )


def refund_request(*, customer_id: str, order_item_id: str, reason: str = "") -> Refund:
    """A learner asks for their money back for an item, inside its refund window (by default 30
    days from purchase). The whole amount left on the item is refunded at once."""
    item = (
        OrderItem.objects.select_related("order")
        .filter(public_id=order_item_id, order__customer_id=customer_id)
        .first()
    )
    if item is None:
        raise CommerceNotFound(f"no order item '{order_item_id}'", field="orderItemId")
    deadline = item.refund_deadline()
    if deadline is None:
        raise CommerceError("this item has not been paid for", field="orderItemId")
    if timezone.now() > deadline:
        raise CommerceError(f"the refund window closed on {deadline:%Y-%m-%d}", field="orderItemId")
    return refund_issue(
        order_item_id=order_item_id,
        origin=Refund.Origin.LEARNER,
        reason=reason,
        requested_by=customer_id,
    )


def refund_for_rejection(*, order_item_id: str, reason: str) -> Refund | None:
    """Open the refund of what is left of an item whose enrollment the LMS rejected, once per
    item; the processor is asked after commit (``tasks.refund_send``), never inside a transaction
    the caller may hold open."""
    with transaction.atomic():
        item = OrderItem.objects.select_for_update().filter(public_id=order_item_id).first()
        if item is None:
            raise CommerceNotFound(f"no order item '{order_item_id}'", field="orderItemId")
        refund = Refund.objects.filter(
            order_item=item, origin=Refund.Origin.ENROLLMENT_REJECTED
        ).first()
        if refund is None:
            if item.total_minor - _refunds_taken(item)["amount"] <= 0:
                return None
            refund = _refund_open(
                order_item_id=order_item_id,
                amount=None,
                origin=Refund.Origin.ENROLLMENT_REJECTED,
                reason=reason,
                requested_by="lms",
            )
        if refund.state == Refund.State.PENDING:
            refund_id = refund.public_id
            transaction.on_commit(lambda: _enqueue_refund_send(refund_id))
        return refund


def _enqueue_refund_send(refund_id: str) -> None:
    from commerce.tasks import refund_send as refund_send_task

    refund_send_task.delay(refund_id)
