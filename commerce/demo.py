"""Demo pricing and purchases for the embedded mode. Running any of it twice changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cadence.kernel.money import Money
from commerce.data import DemoPurchase
from commerce.errors import CommerceNotFound
from commerce.models import CatalogItem, Coupon, OrderItem, TaxRate
from commerce.selectors import ACTIVE
from commerce.services import (
    cart_item_add,
    catalog_item_price_set,
    checkout_start,
    payment_confirm,
)

DEMO_PRICES = ["199.00", "149.00", "99.00"]
DEMO_COUPON = "WELCOME10"


def demo_catalog(*, course_ids: Sequence[str]) -> tuple[str, ...]:
    """Price the courses (the catalog already knows them), set California's tax rate and a
    10% coupon; returns the catalog item ids."""
    items = []
    for index, course_id in enumerate(course_ids):
        price = Money.parse(DEMO_PRICES[index % len(DEMO_PRICES)], "USD")
        items.append(catalog_item_price_set(lms_course_id=course_id, price=price))
    TaxRate.objects.get_or_create(
        country="US",
        region="CA",
        defaults={"name": "California sales tax", "percent": Decimal("7.25")},
    )
    Coupon.objects.get_or_create(
        code=DEMO_COUPON, defaults={"kind": Coupon.Kind.PERCENT, "percent_off": Decimal("10")}
    )
    return tuple(item.public_id for item in items)


def demo_purchase(
    *, customer_id: str, course_id: str, coupon_code: str = "", billing_region: str = ""
) -> DemoPurchase:
    """The customer buys the course through the cart and the ``test`` processor, unless they
    already hold it; returns the paid order that holds it."""
    held = _held(customer_id, course_id)
    if held is not None:
        return DemoPurchase(order_id=held, created=False)
    item = CatalogItem.objects.filter(course__lms_course_id=course_id).first()
    if item is None:
        raise CommerceNotFound(f"the course '{course_id}' is not in the catalog", field="courseId")
    cart_item_add(customer_id=customer_id, session_key=None, catalog_item_id=item.public_id)
    started = checkout_start(
        customer_id=customer_id,
        billing_country="US",
        billing_region=billing_region,
        coupon_code=coupon_code,
        processor_name="test",
    )
    payment_confirm(
        payment_id=started.payment.public_id, customer_id=customer_id, outcome="succeeds"
    )
    return DemoPurchase(order_id=started.order.public_id, created=True)


def _held(customer_id: str, course_id: str) -> str | None:
    return (
        OrderItem.objects.filter(ACTIVE, order__customer_id=customer_id, course_id=course_id)
        .values_list("order__public_id", flat=True)
        .first()
    )
