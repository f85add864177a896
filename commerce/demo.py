"""Demo pricing and sales for the embedded mode. Running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from cadence.kernel.money import Money
from commerce.data import DemoCommerce
from commerce.models import CatalogItem, Coupon, Order, TaxRate
from commerce.selectors import held_course_ids
from commerce.services import (
    cart_item_add,
    catalog_item_price_set,
    checkout_start,
    payment_confirm,
)

DEMO_PRICES = ["199.00", "149.00", "99.00"]


def demo_seed(*, courses: Sequence[Mapping[str, str]], users: Mapping[str, str]) -> DemoCommerce:
    items = []
    for index, course in enumerate(courses):
        price = Money.parse(DEMO_PRICES[index % len(DEMO_PRICES)], "USD")
        items.append(catalog_item_price_set(lms_course_id=course["id"], price=price))
    TaxRate.objects.get_or_create(
        country="US",
        region="CA",
        defaults={"name": "California sales tax", "percent": Decimal("7.25")},
    )
    Coupon.objects.get_or_create(
        code="WELCOME10", defaults={"kind": Coupon.Kind.PERCENT, "percent_off": Decimal("10")}
    )
    # The learner buys the first course; the instructor buys the second with the coupon, billed
    # to California, so the demo shows a discount and tax on a receipt.
    purchases = [("learner", 0, "", ""), ("instructor", 1, "WELCOME10", "CA")]
    for role, index, coupon, region in purchases:
        if role in users and index < len(items):
            _demo_purchase(users[role], items[index], coupon=coupon, region=region)
    buyers = [users[role] for role, *_ in purchases if role in users]
    paid = list(
        Order.objects.filter(customer_id__in=buyers, state=Order.State.PAID)
        .order_by("created_at", "pk")
        .values_list("public_id", flat=True)
    )
    return DemoCommerce(
        priced_courses=tuple(item.course.lms_course_id for item in items),
        paid_orders=tuple(paid),
    )


def _demo_purchase(customer_id: str, item: CatalogItem, *, coupon: str, region: str) -> None:
    if held_course_ids(customer_id=customer_id, course_ids=[item.course.lms_course_id]):
        return
    cart_item_add(customer_id=customer_id, session_key=None, catalog_item_id=item.public_id)
    started = checkout_start(
        customer_id=customer_id,
        billing_country="US",
        billing_region=region,
        coupon_code=coupon,
        processor_name="test",
    )
    payment_confirm(
        payment_id=started.payment.public_id, customer_id=customer_id, outcome="succeeds"
    )
