"""Demo pricing and sales for the embedded mode. Running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from cadence.kernel.money import Money
from commerce.data import DemoCommerce
from commerce.models import Coupon, Order, TaxRate
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
    learner = users.get("learner")
    paid = []
    if learner and items:
        first = items[0]
        if not held_course_ids(customer_id=learner, course_ids=[first.course.lms_course_id]):
            cart_item_add(customer_id=learner, session_key=None, catalog_item_id=first.public_id)
            started = checkout_start(
                customer_id=learner, billing_country="US", processor_name="test"
            )
            payment_confirm(
                payment_id=started.payment.public_id, customer_id=learner, outcome="succeeds"
            )
        paid = list(
            Order.objects.filter(customer_id=learner, state=Order.State.PAID).values_list(
                "public_id", flat=True
            )
        )
    return DemoCommerce(
        priced_courses=tuple(item.course.lms_course_id for item in items),
        paid_orders=tuple(paid),
    )
