"""Checkout: a cart becomes a pending order with a payment; the processor's answer settles both.

The order is written in one transaction (prices, coupon discount and tax snapshotted per item),
then the processor is asked for a payment outside it, because a network call must never hold
database locks. Recording the outcome is idempotent: a processor may tell us twice.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cadence.kernel.money import Money
from commerce import events
from commerce.data import PaymentCompleted, PurchaseMetadata
from commerce.errors import CommerceError, CommerceNotFound
from commerce.models import (
    Cart,
    CartItem,
    CatalogItem,
    CatalogPrice,
    Coupon,
    Order,
    OrderItem,
    Payment,
    RevenueLedgerEntry,
    TaxRate,
    TaxRecord,
)
from commerce.pricing import CouponTerms, Line, PricedLine, fee_parts, price_lines
from commerce.processors import default_processor, processor_named
from commerce.processors.base import PaymentResult
from commerce.processors.test import AUTHENTICATION_OUTCOMES, OUTCOMES
from commerce.selectors import SEAT_HOLDING, held_course_ids, tax_rate_for

logger = logging.getLogger(__name__)

COUNTRY = re.compile(r"^[A-Z]{2}$")
REGION = re.compile(r"^[A-Z0-9]{0,10}$")
NO_PROCESSOR = "none"  # an order that costs nothing is paid without a processor


@dataclass(frozen=True)
class CheckoutStarted:
    order: Order
    payment: Payment
    client_secret: str


def checkout_start(
    *,
    customer_id: str,
    billing_country: str,
    billing_region: str = "",
    coupon_code: str = "",
    processor_name: str | None = None,
) -> CheckoutStarted:
    """Turn the learner's cart into a pending order and open its payment with the processor.

    Refuses (writing nothing) an empty cart, a course the learner already holds, one not on sale
    now or sold out, an unusable coupon and a malformed billing address.
    """
    processor = processor_named(processor_name) if processor_name else default_processor()
    order, payment = _order_place(
        customer_id=customer_id,
        billing_country=billing_country,
        billing_region=billing_region,
        coupon_code=coupon_code,
        processor_name=processor.name,
    )
    if order.total_minor == 0:
        payment = payment_record_success(
            payment_id=payment.public_id, fee=Money.zero(order.currency)
        )
        return CheckoutStarted(order=_order(order.pk), payment=payment, client_secret="")
    try:
        result = processor.create_payment(
            amount=order.total, payment_id=payment.public_id, order_id=order.public_id
        )
    except CommerceError as error:
        # Nothing was charged; the order fails now rather than hang pending.
        payment_record_failure(
            payment_id=payment.public_id, code="processor_unavailable", message=error.message
        )
        raise
    Payment.objects.filter(pk=payment.pk).update(processor_reference=result.reference)
    return CheckoutStarted(
        order=_order(order.pk),
        payment=_payment(payment.public_id),
        client_secret=result.client_secret,
    )


@dataclass(frozen=True)
class QuoteLine:
    title: str
    price: Money
    discount: Money
    tax: Money
    total: Money


@dataclass(frozen=True)
class Quote:
    """What checking out the cart now would cost, line by line."""

    currency: str
    lines: list[QuoteLine]
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    coupon_code: str
    tax_name: str


@dataclass
class _PricedCart:
    now: datetime
    country: str
    region: str
    currency: str
    lines: list[CartItem]
    coupon: Coupon | None
    rate: TaxRate | None
    priced: list[PricedLine]


def checkout_quote(
    *, customer_id: str, billing_country: str, billing_region: str = "", coupon_code: str = ""
) -> Quote:
    """Price the learner's cart as checkout would (coupon, tax), writing nothing.

    Raises the same errors as ``checkout_start``, so a page can show them before paying.
    """
    cart = _cart_priced(
        customer_id=customer_id,
        billing_country=billing_country,
        billing_region=billing_region,
        coupon_code=coupon_code,
        lock=False,
    )

    def money(minor: int) -> Money:
        return Money(minor, cart.currency)

    return Quote(
        currency=cart.currency,
        lines=[
            QuoteLine(
                title=line.item.course.title,
                price=money(p.price_minor),
                discount=money(p.discount_minor),
                tax=money(p.tax_minor),
                total=money(p.total_minor),
            )
            for line, p in zip(cart.lines, cart.priced, strict=True)
        ],
        subtotal=money(sum(p.price_minor for p in cart.priced)),
        discount=money(sum(p.discount_minor for p in cart.priced)),
        tax=money(sum(p.tax_minor for p in cart.priced)),
        total=money(sum(p.total_minor for p in cart.priced)),
        coupon_code=cart.coupon.code if cart.coupon else "",
        tax_name=cart.rate.name if cart.rate else "",
    )


def _cart_priced(
    *,
    customer_id: str,
    billing_country: str,
    billing_region: str,
    coupon_code: str,
    lock: bool,
) -> _PricedCart:
    def locked(queryset):
        return queryset.select_for_update() if lock else queryset

    now = timezone.now()
    country = (billing_country or "").strip().upper()
    region = (billing_region or "").strip().upper()
    if not COUNTRY.match(country):
        raise CommerceError("must be a two-letter country code such as US", field="billingCountry")
    if not REGION.match(region):
        raise CommerceError("must be a region code such as CA", field="billingRegion")

    # Locking the cart serialises two checkouts of one learner (two tabs, a double click).
    cart = locked(Cart.objects.filter(customer_id=customer_id)).first()
    lines = list(
        CartItem.objects.filter(cart=cart).select_related("item__course").order_by("pk")
        if cart
        else []
    )
    if not lines:
        raise CommerceError("your cart is empty", field="cart")
    currency = cart.currency
    # Locking the items serialises checkouts of one course, so a seat cap holds.
    items = {
        item.pk: item
        for item in locked(
            CatalogItem.objects.filter(pk__in=[line.item_id for line in lines])
            .select_related("course")
            .order_by("pk")
        )
    }
    _check_buyable(customer_id=customer_id, items=list(items.values()), now=now)
    prices = {
        price.item_id: price.current_minor(now)
        for price in CatalogPrice.objects.filter(item_id__in=items, currency=currency)
    }
    for line in lines:
        if line.item_id not in prices:
            raise CommerceError(
                f"'{line.item.course.title}' is not sold in {currency}", field="cart"
            )
    coupon = _coupon_usable(
        code=coupon_code,
        customer_id=customer_id,
        currency=currency,
        items=items,
        now=now,
        lock=lock,
    )
    rate = tax_rate_for(country=country, region=region)
    priced = price_lines(
        [
            Line(
                price_minor=prices[line.item_id],
                coupon_applies=coupon is not None
                and (coupon.item_id is None or coupon.item_id == line.item_id),
            )
            for line in lines
        ],
        currency=currency,
        coupon=_terms(coupon),
        tax_percent=rate.percent if rate else 0,
    )
    return _PricedCart(
        now=now,
        country=country,
        region=region,
        currency=currency,
        lines=lines,
        coupon=coupon,
        rate=rate,
        priced=priced,
    )


@transaction.atomic
def _order_place(
    *,
    customer_id: str,
    billing_country: str,
    billing_region: str,
    coupon_code: str,
    processor_name: str,
) -> tuple[Order, Payment]:
    cart = _cart_priced(
        customer_id=customer_id,
        billing_country=billing_country,
        billing_region=billing_region,
        coupon_code=coupon_code,
        lock=True,
    )
    now, country, region, currency = cart.now, cart.country, cart.region, cart.currency
    lines, coupon, rate, priced = cart.lines, cart.coupon, cart.rate, cart.priced
    order = Order.objects.create(
        customer_id=customer_id,
        currency=currency,
        processor=processor_name,
        billing_country=country,
        billing_region=region,
        coupon=coupon,
        coupon_code=coupon.code if coupon else "",
        subtotal_minor=sum(p.price_minor for p in priced),
        discount_minor=sum(p.discount_minor for p in priced),
        tax_minor=sum(p.tax_minor for p in priced),
        total_minor=sum(p.total_minor for p in priced),
        created_at=now,
    )
    order_items = OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            catalog_item=line.item,
            course_id=line.item.course.lms_course_id,
            course_title=line.item.course.title,
            content_creator_id=line.item.course.content_creator_id,
            instructor_id=line.item.instructor_id,
            auto_approve=line.item.auto_approve,
            refund_window_days=line.item.refund_window_days,
            price_minor=p.price_minor,
            discount_minor=p.discount_minor,
            tax_minor=p.tax_minor,
            total_minor=p.total_minor,
        )
        for line, p in zip(lines, priced, strict=True)
    )
    TaxRecord.objects.bulk_create(
        TaxRecord(
            order_item=order_item,
            tax_rate=rate,
            country=country,
            region=region,
            rate_name=rate.name if rate else "",
            percent=rate.percent if rate else 0,
            taxable_minor=p.taxable_minor,
            tax_minor=p.tax_minor,
            currency=currency,
        )
        for order_item, p in zip(order_items, priced, strict=True)
    )
    payment = Payment.objects.create(
        order=order,
        processor=processor_name if order.total_minor else NO_PROCESSOR,
        amount_minor=order.total_minor,
        currency=currency,
    )
    return order, payment


def _check_buyable(*, customer_id: str, items: list[CatalogItem], now: datetime) -> None:
    held = held_course_ids(
        customer_id=customer_id, course_ids=[i.course.lms_course_id for i in items]
    )
    seats = dict(
        OrderItem.objects.filter(catalog_item__in=items)
        .filter(SEAT_HOLDING)
        .values_list("catalog_item")
        .annotate(n=Count("pk"))
    )
    for item in items:
        title = item.course.title
        if item.course.lms_course_id in held:
            raise CommerceError(f"you already have '{title}'", field="cart")
        if not item.is_listed:
            raise CommerceError(f"'{title}' is no longer for sale", field="cart")
        if item.available_from and now < item.available_from:
            raise CommerceError(f"'{title}' is not on sale yet", field="cart")
        if item.available_until and now >= item.available_until:
            raise CommerceError(f"'{title}' is no longer on sale", field="cart")
        if item.seat_cap is not None and seats.get(item.pk, 0) >= item.seat_cap:
            raise CommerceError(f"'{title}' is sold out", field="cart")


def _coupon_usable(
    *,
    code: str,
    customer_id: str,
    currency: str,
    items: dict[int, CatalogItem],
    now: datetime,
    lock: bool,
) -> Coupon | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    # The row lock makes the use count and this order's use one step, so limits hold.
    coupons = Coupon.objects.filter(code=code, is_active=True)
    coupon = (coupons.select_for_update() if lock else coupons).first()
    if coupon is None:
        raise CommerceError(f"'{code}' is not a valid coupon", field="couponCode")
    if coupon.valid_from and now < coupon.valid_from:
        raise CommerceError(f"'{code}' cannot be used yet", field="couponCode")
    if coupon.expires_at and now >= coupon.expires_at:
        raise CommerceError(f"'{code}' has expired", field="couponCode")
    if coupon.kind == Coupon.Kind.FIXED and coupon.currency != currency:
        raise CommerceError(
            f"'{code}' applies to {coupon.currency} orders only", field="couponCode"
        )
    if coupon.item_id is not None and coupon.item_id not in items:
        raise CommerceError(f"'{code}' does not apply to a course in your cart", field="couponCode")
    uses = Counter(
        coupon.orders.exclude(state__in=[Order.State.FAILED, Order.State.CANCELLED]).values_list(
            "customer_id", flat=True
        )
    )
    if coupon.max_uses is not None and sum(uses.values()) >= coupon.max_uses:
        raise CommerceError(f"'{code}' has been used up", field="couponCode")
    if (
        coupon.max_uses_per_customer is not None
        and uses[customer_id] >= coupon.max_uses_per_customer
    ):
        raise CommerceError(f"you have already used '{code}'", field="couponCode")
    return coupon


def _terms(coupon: Coupon | None) -> CouponTerms | None:
    if coupon is None:
        return None
    if coupon.kind == Coupon.Kind.PERCENT:
        return CouponTerms(percent_off=coupon.percent_off)
    return CouponTerms(amount_off_minor=coupon.amount_off_minor)


def _order(pk: int) -> Order:
    return Order.objects.get(pk=pk)


def _payment(payment_id: str) -> Payment:
    payment = Payment.objects.select_related("order").filter(public_id=payment_id).first()
    if payment is None:
        raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
    return payment


# --- the processor's answer ----------------------------------------------------------------------


def payment_confirm(*, payment_id: str, customer_id: str, outcome: str = "") -> Payment:
    """Confirm the learner's payment with the processor and record what it answers.

    With the ``test`` processor ``outcome`` picks what happens (as Stripe's test cards do);
    with Stripe the browser has confirmed already, and this reads the result back.
    """
    payment = _payment(payment_id)
    if payment.order.customer_id != customer_id:
        raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
    if payment.state in {Payment.State.SUCCEEDED, Payment.State.FAILED, Payment.State.CANCELLED}:
        return payment
    titles = _titles_already_held(payment.order)
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
    return payment_result_record(payment_id=payment_id, result=result)


def _titles_already_held(order: Order) -> str:
    items = list(order.items.all())
    held = held_course_ids(customer_id=order.customer_id, course_ids=[i.course_id for i in items])
    return ", ".join(f"'{i.course_title}'" for i in items if i.course_id in held)


def payment_result_record(*, payment_id: str, result: PaymentResult) -> Payment:
    """Apply a processor's report about a payment (from a confirm call or a webhook)."""
    if result.status == "succeeded":
        return payment_record_success(payment_id=payment_id, fee=result.fee)
    if result.status == "failed":
        return payment_record_failure(
            payment_id=payment_id,
            code=result.failure_code or "failed",
            message=result.failure_message or "The payment failed.",
        )
    if result.status == "requires_action":
        return payment_record_action_required(payment_id=payment_id)
    return _payment(payment_id)


@transaction.atomic
def payment_record_action_required(*, payment_id: str) -> Payment:
    """The processor asks the learner to authenticate (3-D Secure); the order stays pending."""
    payment = Payment.objects.select_for_update().get(pk=_payment(payment_id).pk)
    if payment.state == Payment.State.PENDING:
        payment.require_action()
        payment.save()
    return payment


@transaction.atomic
def payment_record_failure(*, payment_id: str, code: str, message: str) -> Payment:
    """The processor refused the payment: the payment and its order fail, nothing is charged.

    A payment that already succeeded stays succeeded (a late failure report of an earlier attempt).
    """
    payment = Payment.objects.select_for_update().get(pk=_payment(payment_id).pk)
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
def payment_record_success(*, payment_id: str, fee: Money | None) -> Payment:
    """The processor took the money: mark the order paid, split the fee across its items, write
    one ledger entry per item and publish ``payment.completed`` per item. Idempotent."""
    payment = Payment.objects.select_for_update().get(pk=_payment(payment_id).pk)
    if payment.state == Payment.State.SUCCEEDED:
        return payment
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    now = timezone.now()
    amount = Money(payment.amount_minor, payment.currency)
    if fee is None:
        fee = (
            Money.zero(payment.currency)
            if payment.processor == NO_PROCESSOR
            else processor_named(payment.processor).fee(amount)
        )
    if fee.currency != payment.currency:
        raise CommerceError(f"the fee must be in {payment.currency}", field="fee")
    payment.succeed(fee_minor=fee.minor, at=now)
    payment.save()
    if order.state == Order.State.PENDING:
        order.mark_paid(at=now)
    else:
        order.mark_paid_late(at=now)
    order.save()

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
    for item in items:
        events.payment_completed.publish(_payment_completed(order=order, item=item))
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
