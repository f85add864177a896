"""Property tests through the services: whatever the cart, coupon and tax rate, every split adds
up to the minor unit, from the order down to its items, its ledger lines and its refunds."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cadence.kernel.money import Money
from commerce.errors import CommerceError
from commerce.models import Coupon, Order, OrderItem, RevenueLedgerEntry, TaxRate
from commerce.services import refund_issue
from commerce.tests.factories import buy, learner_id, priced_item

pytestmark = pytest.mark.django_db

coupons = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal("100"), places=1).map(
        lambda p: {"kind": "percent", "percent_off": p}
    ),
    st.integers(min_value=1, max_value=60_000).map(
        lambda m: {"kind": "fixed", "amount_off_minor": m, "currency": "USD"}
    ),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prices=st.lists(st.integers(min_value=50, max_value=50_000), min_size=1, max_size=4),
    coupon=coupons,
    tax=st.decimals(min_value=Decimal("0"), max_value=Decimal("25"), places=3),
    cut=st.integers(min_value=1, max_value=99),
)
# 90 % off $4.00 leaves $0.40: under the least amount that can be charged.
@example(prices=[400], coupon={"kind": "percent", "percent_off": Decimal("90")}, tax=0, cut=50)
def test_an_order_adds_up_from_items_to_ledger_and_refunds(prices, coupon, tax, cut):
    TaxRate.objects.update_or_create(
        country="US", region="TX", defaults={"name": "Texas", "percent": tax}
    )
    code = ""
    if coupon is not None:
        code = f"P{Coupon.objects.count()}"
        Coupon.objects.create(code=code, **coupon)
    items = [priced_item(Money(p, "USD").to_decimal_string()) for p in prices]

    try:
        order, payment = buy(learner_id(), *items, coupon=code, region="TX")
    except CommerceError as refused:
        # A coupon may take the total under the least amount that can be charged (and not to
        # zero): such an order is refused whole, before anything is written.
        assert refused.field == "total" and "below $0.50" in refused.message
        assert code and not Order.objects.filter(coupon_code=code).exists()
        return

    lines = list(OrderItem.objects.filter(order=order))
    assert order.subtotal_minor == sum(i.price_minor for i in lines) == sum(prices)
    assert order.discount_minor == sum(i.discount_minor for i in lines)
    assert order.tax_minor == sum(i.tax_minor for i in lines)
    assert order.total_minor == sum(i.total_minor for i in lines) == payment.amount_minor
    assert sum(i.fee_minor for i in lines) == payment.fee_minor
    for item in lines:
        assert 0 <= item.discount_minor <= item.price_minor
        assert item.tax_minor == item.tax.tax_minor
    sales = RevenueLedgerEntry.objects.filter(order_id=order.public_id)
    for entry in sales:
        assert entry.gross_minor - entry.tax_minor - entry.fee_minor == entry.net_minor

    # Refund every item in two parts (``cut`` % first, then the rest): tax comes back exactly.
    for item in lines:
        if item.total_minor == 0:
            continue
        first = item.total_minor * cut // 100
        if first:
            refund_issue(order_item_id=item.public_id, amount=Money(first, "USD"))
        refund_issue(order_item_id=item.public_id)
    if order.total_minor:
        refunds = RevenueLedgerEntry.objects.filter(order_id=order.public_id, kind="refund")
        assert -sum(e.gross_minor for e in refunds) == order.total_minor
        assert -sum(e.tax_minor for e in refunds) == order.tax_minor
