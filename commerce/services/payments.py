"""Payments: what the processor answers about a payment, recorded idempotently.

A processor may tell us the same thing twice (a confirm call and a webhook, or a webhook
delivered again), late, or out of order; each recorder locks the payment and acts only on a
transition that has not happened yet, and a success always wins over a failure.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cadence.kernel.money import Money
from cadence.kernel.public_ids import new_public_id
from commerce import events
from commerce.data import OrderPaid, PaymentCompleted, PurchaseMetadata
from commerce.errors import CommerceError, CommerceNotFound
from commerce.models import CartItem, Order, OrderItem, Payment, RevenueLedgerEntry
from commerce.pricing import fee_parts
from commerce.processors import NO_PROCESSOR, processor_named
from commerce.processors.base import PaymentResult
from commerce.processors.test import AUTHENTICATION_OUTCOMES, OUTCOMES
from commerce.selectors import order_items_with_held
from commerce.services.orders import order_cancel


def payment_by_id(payment_id: str) -> Payment:
    payment = Payment.objects.select_related("order").filter(public_id=payment_id).first()
    if payment is None:
        raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
    return payment


def _payment_locked(payment_id: str) -> Payment:
    """The payment, locked for the rest of the transaction (one read, not a read and a lock)."""
    payment = Payment.objects.select_for_update().filter(public_id=payment_id).first()
    if payment is None:
        raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
    return payment


def payment_confirm(*, payment_id: str, customer_id: str, outcome: str = "") -> Payment:
    """Confirm the learner's payment with the processor and record what it answers.

    With the ``test`` processor ``outcome`` picks what happens (as Stripe's test cards do);
    with Stripe the browser has confirmed already, and this reads the result back.
    """
    payment = payment_by_id(payment_id)
    if payment.order.customer_id != customer_id:
        raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
    if payment.state in {Payment.State.SUCCEEDED, Payment.State.FAILED, Payment.State.CANCELLED}:
        return payment
    items = order_items_with_held(payment.order)
    titles = _titles_held(items)
    if titles:
        # Another order gave the learner these courses meanwhile (two tabs): do not charge twice.
        order_cancel(order_id=payment.order.public_id)
        raise CommerceError(f"you already have {titles}", field="paymentId")
    if payment.processor == "test":
        allowed = (
            AUTHENTICATION_OUTCOMES if payment.state == Payment.State.REQUIRES_ACTION else OUTCOMES
        )
        if outcome not in allowed:
            raise CommerceError(f"choose one of {', '.join(allowed)}", field="outcome")
    result = processor_named(payment.processor).confirm_payment(
        reference=payment.processor_reference, outcome=outcome
    )
    return payment_result_record(payment_id=payment_id, result=result, items=items)


def payment_complete(
    *, payment_id: str, customer_id: str, token: str, verification_token: str = ""
) -> Payment:
    """The learner's browser finished paying with a processor that hands it a token: Square's
    Web Payments SDK (a source token we now charge) or Converge's payment page (the id of a sale
    it made, which we verify with Converge). Records what the processor answers; idempotent.

    A token that is not this payment's (Converge knows another sale) is refused, writing nothing.
    """
    payment = payment_by_id(payment_id)
    if payment.order.customer_id != customer_id:
        raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
    processor = processor_named(payment.processor)
    complete = getattr(processor, "complete_payment", None)
    if complete is None:
        raise CommerceError(f"{payment.processor} payments are not completed with a token")
    if payment.state == Payment.State.SUCCEEDED:
        return payment
    charges = getattr(processor, "charges_on_complete", False)
    if payment.state in {Payment.State.FAILED, Payment.State.CANCELLED} and charges:
        # We would be the ones taking the money: an expired or failed checkout is not charged.
        raise CommerceError("this checkout is over; nothing was charged", field="paymentId")
    if charges:
        titles = _titles_already_held(payment.order)
        if titles:
            order_cancel(order_id=payment.order.public_id)
            raise CommerceError(f"you already have {titles}", field="paymentId")
    result = complete(
        amount=Money(payment.amount_minor, payment.currency),
        payment_id=payment.public_id,
        order_id=payment.order.public_id,
        token=token,
        verification_token=verification_token,
    )
    payment_reference_record(
        payment_id=payment_id, reference=result.reference, succeeded=result.status == "succeeded"
    )
    return payment_result_record(payment_id=payment_id, result=result)


def payment_reference_record(*, payment_id: str, reference: str, succeeded: bool) -> None:
    """Record the processor's id of a payment learnt only after it was opened (Square's payment,
    Converge's sale). The first one stays, except that a success's id replaces that of an attempt
    that failed (a declined sale, then an approved one): refunds must go to the money taken."""
    if not reference:
        return
    payments = Payment.objects.filter(public_id=payment_id).exclude(processor_reference=reference)
    if succeeded:
        payments.exclude(state=Payment.State.SUCCEEDED).update(processor_reference=reference)
    else:
        payments.filter(processor_reference="").update(processor_reference=reference)


def _titles_already_held(order: Order) -> str:
    return _titles_held(order_items_with_held(order))


def _titles_held(items: list[OrderItem]) -> str:
    return ", ".join(f"'{item.course_title}'" for item in items if item.already_held)


def payment_result_record(
    *, payment_id: str, result: PaymentResult, items: list[OrderItem] | None = None
) -> Payment:
    """Apply a processor's report about a payment (from a confirm call or a webhook); ``items``:
    the order's items, when the caller read them already."""
    if result.status == "succeeded":
        return payment_record_success(
            payment_id=payment_id,
            fee=result.fee,
            settlement_fee=result.settlement_fee,
            exchange_rate=result.exchange_rate,
            items=items,
        )
    if result.status == "failed":
        return payment_record_failure(
            payment_id=payment_id,
            code=result.failure_code or "failed",
            message=result.failure_message or "The payment failed.",
        )
    if result.status == "requires_action":
        return payment_record_action_required(payment_id=payment_id)
    return payment_by_id(payment_id)


@transaction.atomic
def payment_record_action_required(*, payment_id: str) -> Payment:
    """The processor asks the learner to authenticate (3-D Secure); the order stays pending."""
    payment = _payment_locked(payment_id)
    if payment.state == Payment.State.PENDING:
        payment.require_action()
        payment.save()
    return payment


@transaction.atomic
def payment_record_failure(*, payment_id: str, code: str, message: str) -> Payment:
    """The processor refused the payment: the payment and its order fail, nothing is charged.

    A payment that already succeeded stays succeeded (a late failure report of an earlier attempt).
    """
    payment = _payment_locked(payment_id)
    if payment.state not in {Payment.State.PENDING, Payment.State.REQUIRES_ACTION}:
        return payment
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    payment.fail(code=code, message=message)
    payment.save()
    if order.state == Order.State.PENDING:
        order.mark_failed(reason=message)
        order.save()
    return payment


@transaction.atomic
def payment_record_success(
    *,
    payment_id: str,
    fee: Money | None,
    settlement_fee: Money | None = None,
    exchange_rate: Decimal | None = None,
    items: list[OrderItem] | None = None,
) -> Payment:
    """The processor took the money: mark the order paid, split the fee across its items, write
    one ledger entry per item and publish ``order.paid`` with every item. Idempotent.

    ``items`` are the order's items (in their order) if the caller read them before the
    processor call: nothing changes an order's items before its payment succeeds, which only
    this function records (under the payment's lock), so they need no second read.

    ``fee`` is in the payment's currency; when the processor settles in another currency its own
    figure and rate are kept beside it. A fee that cannot be told in the payment's currency is
    taken from the configured schedule: the payment is recorded either way.
    """
    # The payment and its order, both locked, in one read.
    payment = (
        Payment.objects.select_for_update().select_related("order").filter(public_id=payment_id)
    ).first()
    if payment is None:
        raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
    if payment.state == Payment.State.SUCCEEDED:
        return payment
    order = payment.order
    now = timezone.now()
    amount = Money(payment.amount_minor, payment.currency)
    if fee is not None and fee.currency != payment.currency:
        settlement_fee, fee = settlement_fee or fee, None
    if fee is None:
        fee = (
            Money.zero(payment.currency)
            if payment.processor == NO_PROCESSOR
            else processor_named(payment.processor).fee(amount)
        )
    if settlement_fee is not None:
        payment.settlement_fee_minor = settlement_fee.minor
        payment.settlement_currency = settlement_fee.currency
        payment.exchange_rate = exchange_rate
    payment.succeed(fee_minor=fee.minor, at=now)
    payment.save()
    if order.state == Order.State.PENDING:
        order.mark_paid(at=now)
    else:
        order.mark_paid_late(at=now)
    order.save()

    if items is None or any(item.order_id != order.pk for item in items):
        items = list(order.items.order_by("pk"))
    for item, fee_part in zip(
        items, fee_parts(fee.minor, [i.total_minor for i in items]), strict=True
    ):
        item.fee_minor = fee_part
    OrderItem.objects.bulk_update(items, ["fee_minor"])
    RevenueLedgerEntry.objects.bulk_create(
        RevenueLedgerEntry(
            kind=RevenueLedgerEntry.Kind.SALE,
            order_item=item,
            order_id=order.public_id,
            course_id=item.course_id,
            content_creator_id=item.content_creator_id,
            currency=order.currency,
            gross_minor=item.total_minor,
            discount_minor=item.discount_minor,
            tax_minor=item.tax_minor,
            fee_minor=item.fee_minor,
            net_minor=item.total_minor - item.tax_minor - item.fee_minor,
            recorded_at=now,
        )
        for item in items
    )
    events.order_paid.publish(
        OrderPaid(
            order_id=order.public_id,
            user_id=order.customer_id,
            currency=order.currency,
            paid_at=order.paid_at,
            items=tuple(_payment_completed(order=order, item=item) for item in items),
            item_event_ids=tuple(new_public_id("evt") for _ in items),
        )
    )
    # What was bought leaves the cart; anything else the learner added stays.
    CartItem.objects.filter(
        cart__customer_id=order.customer_id, item_id__in=[i.catalog_item_id for i in items]
    ).delete()
    return payment


def _payment_completed(*, order: Order, item: OrderItem) -> PaymentCompleted:
    return PaymentCompleted(
        order_id=order.public_id,
        order_item_id=item.public_id,
        user_id=order.customer_id,
        course_id=item.course_id,
        content_creator_id=item.content_creator_id,
        instructor_id=item.instructor_id or None,
        auto_approve=item.auto_approve,
        gross_amount=item.total_minor,
        discount_amount=item.discount_minor,
        tax_amount=item.tax_minor,
        platform_fee=item.fee_minor,
        net_amount=item.total_minor - item.tax_minor - item.fee_minor,
        currency=order.currency,
        paid_at=order.paid_at,
        purchase_metadata=PurchaseMetadata(
            amount=item.total_minor, currency=order.currency, purchase_date=order.paid_at
        ),
    )
