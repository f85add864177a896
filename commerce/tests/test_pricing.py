"""Property tests: coupon, tax and fee allocation always add up exactly across items."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cadence.kernel.money import Money
from commerce.pricing import (
    CouponTerms,
    Line,
    discount_parts,
    fee_parts,
    price_lines,
    refund_tax_part,
    tax_on,
)
from commerce.processors.test import TestProcessor

prices = st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=12)
percents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
tax_percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("27"), places=4)
coupons = st.one_of(
    st.none(),
    st.builds(CouponTerms, percent_off=percents),
    st.builds(CouponTerms, amount_off_minor=st.integers(min_value=1, max_value=20_000_000)),
)


@given(prices=prices, coupon=coupons, applies=st.lists(st.booleans(), min_size=12, max_size=12))
def test_coupon_discounts_sum_to_the_coupons_value_and_never_exceed_a_price(
    prices, coupon, applies
):
    lines = [Line(price_minor=p, coupon_applies=a) for p, a in zip(prices, applies, strict=False)]
    parts = discount_parts(lines, coupon, "USD")

    eligible = sum(line.price_minor for line in lines if line.coupon_applies)
    if coupon is None:
        expected = 0
    elif coupon.percent_off is not None:
        expected = Money(eligible, "USD").percentage(coupon.percent_off).minor
    else:
        expected = min(coupon.amount_off_minor, eligible)
    assert sum(parts) == min(expected, eligible)
    for line, part in zip(lines, parts, strict=True):
        assert 0 <= part <= line.price_minor
        if not line.coupon_applies:
            assert part == 0


@given(prices=prices, coupon=coupons, tax=tax_percents)
def test_an_orders_totals_are_the_sums_of_its_items(prices, coupon, tax):
    priced = price_lines([Line(p) for p in prices], currency="USD", coupon=coupon, tax_percent=tax)

    for line in priced:
        assert line.tax_minor == tax_on(line.taxable_minor, tax, "USD")
        assert line.total_minor == line.price_minor - line.discount_minor + line.tax_minor
        assert line.total_minor >= 0
    subtotal = sum(line.price_minor for line in priced)
    discount = sum(line.discount_minor for line in priced)
    tax_total = sum(line.tax_minor for line in priced)
    assert sum(line.total_minor for line in priced) == subtotal - discount + tax_total


@given(totals=prices)
def test_the_processor_fee_splits_across_items_exactly(totals):
    fee = TestProcessor().fee(Money(sum(totals), "USD")).minor
    parts = fee_parts(fee, totals)

    assert sum(parts) == fee
    if sum(totals):
        for total, part in zip(totals, parts, strict=True):
            exact = Decimal(fee) * total / sum(totals)
            assert abs(part - exact) < 1


@given(
    total=st.integers(min_value=1, max_value=10_000_000),
    tax_share=st.fractions(min_value=0, max_value=Decimal("0.3")),
    cuts=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6),
)
def test_refunds_in_parts_give_back_exactly_the_tax_charged(total, tax_share, cuts):
    tax = int(total * tax_share)
    amounts = Money(total, "USD").allocate(cuts)
    refunded = tax_refunded = 0
    for amount in amounts:
        if amount.minor == 0:
            continue
        part = refund_tax_part(
            refund_minor=amount.minor,
            item_total_minor=total,
            item_tax_minor=tax,
            tax_refunded_minor=tax_refunded,
            refunded_minor=refunded,
        )
        assert 0 <= part <= amount.minor
        refunded += amount.minor
        tax_refunded += part
    assert refunded == total and tax_refunded == tax


def test_the_fee_on_199_dollars_is_6_07():
    assert TestProcessor().fee(Money.parse("199.00", "USD")) == Money(607, "USD")
