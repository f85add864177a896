"""Checkout: a cart becomes a pending order with a payment opened at the processor.

The order is written in one transaction (prices, coupon discount and tax snapshotted per item),
then the processor is asked for a payment outside it, because a network call must never hold
database locks. What the processor answers is recorded by ``commerce.services.payments``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cadence.kernel.money import Money
from commerce import conf
from commerce.errors import CommerceError
from commerce.models import (
    Cart,
    CartItem,
    CatalogItem,
    CatalogPrice,
    Coupon,
    Order,
    OrderItem,
    Payment,
    TaxRate,
    TaxRecord,
)
from commerce.pricing import CouponTerms, Line, PricedLine, price_lines
from commerce.processors import NO_PROCESSOR, default_processor, offered_processor
from commerce.selectors import SEAT_HOLDING, held_course_ids, tax_rate_for
from commerce.services.payments import (
    payment_by_id,
    payment_record_failure,
    payment_record_success,
)

COUNTRY = re.compile(r"^[A-Z]{2}$")
REGION = re.compile(r"^[A-Z0-9]{0,10}$")


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
    now or sold out, an unusable coupon, a malformed billing address, and a total that is not
    zero yet below the least amount a processor charges in its currency (``conf.minimum_charge``),
    and a processor checkout does not offer (``processor_name``: the buyer's choice; the first one
    offered when empty). The order and its payment record which processor was used.
    """
    processor = offered_processor(processor_name) if processor_name else default_processor()
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
    payment = payment_by_id(payment.public_id)  # with its order, as it is now
    return CheckoutStarted(order=payment.order, payment=payment, client_secret=result.client_secret)


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
    _check_chargeable(Money(sum(p.total_minor for p in priced), currency), coupon=coupon)
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


def _check_chargeable(total: Money, *, coupon: Coupon | None) -> None:
    """A total is free (zero) or at least the least amount a processor charges in its currency:
    below that, a processor refuses the charge, or its fee takes all of it and more."""
    minimum = conf.minimum_charge(total.currency)
    if 0 < total.minor < minimum.minor:
        remedy = "add a course" + (" or leave out the coupon" if coupon else "")
        raise CommerceError(
            f"the order total {total} is below {minimum}, the least amount that can be charged "
            f"in {total.currency}: {remedy}",
            field="total",
        )


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
    # Counted by the database: a popular coupon has more uses than are worth loading per quote.
    uses = coupon.orders.exclude(state__in=[Order.State.FAILED, Order.State.CANCELLED]).aggregate(
        total=Count("pk"), by_customer=Count("pk", filter=Q(customer_id=customer_id))
    )
    if coupon.max_uses is not None and uses["total"] >= coupon.max_uses:
        raise CommerceError(f"'{code}' has been used up", field="couponCode")
    if (
        coupon.max_uses_per_customer is not None
        and uses["by_customer"] >= coupon.max_uses_per_customer
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
