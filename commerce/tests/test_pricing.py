"""Property tests: coupon, tax and fee allocation always add up exactly across items."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.kernel.money import CURRENCY_EXPONENTS, MAXIMUM_MINOR_UNITS, Money, allocate
from commerce.pricing import (
    CouponTerms,
    Line,
    discount_parts,
    fee_parts,
    least_amount_the_fee_leaves_something_of,
    price_lines,
    refund_tax_part,
    schedule_fee,
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


# --- the edges, drawn on purpose ------------------------------------------------------------

# The largest amount a price column holds (a signed 64-bit BigIntegerField).
LARGEST_STORED_MINOR = 2**63 - 1

edge_prices = st.lists(
    st.one_of(
        st.sampled_from([0, 1, 2, 99, 100, MAXIMUM_MINOR_UNITS, 10**12]),
        st.integers(min_value=0, max_value=10_000_000),
    ),
    min_size=1,
    max_size=8,
)
edge_coupons = st.one_of(
    st.none(),
    st.just(CouponTerms()),
    st.just(CouponTerms(percent_off=Decimal("100"))),
    st.just(CouponTerms(percent_off=Decimal("0.01"))),
    st.just(CouponTerms(amount_off_minor=0)),
    st.just(CouponTerms(amount_off_minor=1)),
    st.just(CouponTerms(amount_off_minor=LARGEST_STORED_MINOR)),
    st.builds(CouponTerms, percent_off=percents),
    st.builds(CouponTerms, amount_off_minor=st.integers(min_value=0, max_value=20_000_000)),
)


# Every exponent the platform sells in: 0 (JPY), 2 (USD) and 3 (BHD), with the rest.
codes = st.one_of(
    st.sampled_from(["JPY", "USD", "BHD"]), st.sampled_from(sorted(CURRENCY_EXPONENTS))
)


def lines_of(*prices, applies=None):
    applies = applies or [True] * len(prices)
    return [Line(price_minor=p, coupon_applies=a) for p, a in zip(prices, applies, strict=True)]


def test_a_100_percent_coupon_on_one_cent_lines_makes_each_line_free():
    coupon = CouponTerms(percent_off=Decimal("100"))
    assert discount_parts(lines_of(1, 1, 1), coupon, "USD") == [1, 1, 1]
    assert discount_parts(lines_of(1), coupon, "JPY") == [1]
    priced = price_lines(lines_of(1, 1), currency="USD", coupon=coupon, tax_percent=Decimal("20"))
    assert [(p.discount_minor, p.tax_minor, p.total_minor) for p in priced] == [(1, 0, 0)] * 2


def test_a_coupon_with_nothing_to_take_off_takes_nothing():
    for empty in (CouponTerms(amount_off_minor=0), CouponTerms(), None):
        assert discount_parts(lines_of(1, 500), empty, "USD") == [0, 0]


def test_a_one_cent_coupon_goes_to_the_first_of_equal_lines():
    assert discount_parts(lines_of(1, 1), CouponTerms(amount_off_minor=1), "USD") == [1, 0]
    assert discount_parts(lines_of(5, 5), CouponTerms(amount_off_minor=1), "USD") == [1, 0]


def test_a_percentage_coupon_rounds_once_on_the_eligible_subtotal():
    # 50 % of three one-cent lines is 1.5 cents, rounded half up once to 2, not 0.5 → 1 per line.
    coupon = CouponTerms(percent_off=Decimal("50"))
    assert discount_parts(lines_of(1, 1, 1), coupon, "USD") == [1, 1, 0]
    assert discount_parts(lines_of(1), coupon, "USD") == [1]


def test_a_fixed_coupon_never_takes_more_than_the_eligible_lines_cost():
    coupon = CouponTerms(amount_off_minor=LARGEST_STORED_MINOR)
    assert discount_parts(lines_of(300, 100, applies=[True, False]), coupon, "USD") == [300, 0]
    assert discount_parts(lines_of(2, 1), CouponTerms(amount_off_minor=3), "USD") == [2, 1]


# Equivalent mutant commerce.pricing.x_discount_parts__mutmut_8: it lets free lines
# (``price_minor >= 0``) into the allocation, where their weight of zero gives them nothing: a part
# gets a leftover unit only for a remainder above zero, and a free line's remainder is zero.
# The next six drop ``strict=True`` (``strict=None``, no argument, ``strict=False``) from a zip
# whose two sides are built from the same lines, so they always have the same length:
# Equivalent mutant commerce.pricing.x_discount_parts__mutmut_31: strict=None.
# Equivalent mutant commerce.pricing.x_discount_parts__mutmut_34: no strict.
# Equivalent mutant commerce.pricing.x_discount_parts__mutmut_39: strict=False.
# Equivalent mutant commerce.pricing.x_price_lines__mutmut_23: strict=None.
# Equivalent mutant commerce.pricing.x_price_lines__mutmut_26: no strict.
# Equivalent mutant commerce.pricing.x_price_lines__mutmut_27: strict=False.


def test_lines_the_coupon_does_not_apply_to_and_free_lines_get_no_discount():
    coupon = CouponTerms(percent_off=Decimal("100"))
    assert discount_parts(lines_of(0, 7, 9, applies=[True, False, True]), coupon, "USD") == [
        0,
        0,
        9,
    ]
    assert discount_parts(lines_of(0, 0), coupon, "USD") == [0, 0]
    assert discount_parts(lines_of(5, applies=[False]), coupon, "USD") == [0]


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(prices=edge_prices, coupon=edge_coupons, code=codes,
       applies=st.lists(st.booleans(), min_size=8, max_size=8))  # fmt: skip
def test_every_coupon_is_exactly_what_it_promises_at_the_edges(prices, coupon, code, applies):
    lines = [Line(price_minor=p, coupon_applies=a) for p, a in zip(prices, applies, strict=False)]
    parts = discount_parts(lines, coupon, code)

    eligible = sum(line.price_minor for line in lines if line.coupon_applies)
    if coupon is None:
        promised = 0
    elif coupon.percent_off is not None:
        promised = Money(eligible, code).percentage(coupon.percent_off).minor
    else:
        promised = coupon.amount_off_minor or 0
    assert sum(parts) == min(promised, eligible)
    for line, part in zip(lines, parts, strict=True):
        assert 0 <= part <= (line.price_minor if line.coupon_applies else 0)
    if coupon is not None and coupon.percent_off == 100:
        assert parts == [line.price_minor if line.coupon_applies else 0 for line in lines]


def test_tax_is_charged_on_the_price_after_the_discount_and_rounds_half_up_per_item():
    priced = price_lines(
        lines_of(1000, 5, applies=[True, False]),
        currency="USD",
        coupon=CouponTerms(percent_off=Decimal("10")),
        tax_percent=Decimal("10"),
    )
    assert [(p.discount_minor, p.taxable_minor, p.tax_minor, p.total_minor) for p in priced] == [
        (100, 900, 90, 990), (0, 5, 1, 6),
    ]  # fmt: skip
    assert tax_on(0, Decimal("27"), "USD") == 0
    assert tax_on(1, Decimal("50"), "USD") == 1
    assert tax_on(1, Decimal("49.99"), "USD") == 0
    assert tax_on(1000, Decimal("0"), "BHD") == 0


@pytest.mark.parametrize(
    ("fee", "totals", "parts"),
    [(0, [], []), (0, [0, 0], [0, 0]), (5, [0, 0, 0], [5, 0, 0]), (0, [0], [0]),
     (1, [1, 1], [1, 0]), (3, [1, 2], [1, 2]), (0, [100, 200], [0, 0]), (7, [0, 5], [0, 7]),
     (7, [0, 1], [0, 7])],
)  # fmt: skip
def test_the_fee_lands_on_items_by_what_they_cost_and_on_the_first_when_nothing_was(
    fee, totals, parts
):
    assert fee_parts(fee, totals) == parts


@pytest.mark.parametrize(
    ("minor", "fee"),
    [(0, 0), (1, 30), (-1, -30), (19900, 607), (-19900, -607), (10**12, 29000000030)],
)
def test_the_card_schedule_charges_its_fixed_part_on_one_cent_and_nothing_on_nothing(minor, fee):
    charged = schedule_fee(Money(minor, "USD"), percent=Decimal("2.9"), fixed_minor=30)
    assert charged == Money(fee, "USD")
    assert schedule_fee(Money(minor, "JPY"), percent=Decimal("0"), fixed_minor=0) == Money(0, "JPY")


def refund_tax_parts(*, total: int, tax: int, refunds: list[int]) -> list[int]:
    refunded = tax_refunded = 0
    parts = []
    for amount in refunds:
        part = refund_tax_part(
            refund_minor=amount,
            item_total_minor=total,
            item_tax_minor=tax,
            tax_refunded_minor=tax_refunded,
            refunded_minor=refunded,
        )
        parts.append(part)
        refunded += amount
        tax_refunded += part
    return parts


def test_once_the_tax_is_fully_refunded_later_refunds_carry_no_tax():
    # A 10-unit item carrying 3 of tax, refunded 2 at a time: proportionally 0.6 tax each, rounded
    # by largest remainder to 1, until the 3 of tax are back; the rest is price, never negative tax.
    assert refund_tax_parts(total=10, tax=3, refunds=[2, 2, 2, 2, 2]) == [1, 1, 1, 0, 0]


# A tie between the price part and the tax part of a refund goes to the price (the earlier share);
# the refund that takes the item to zero carries whatever tax is left, even when the proportional
# parts rounded it all away before (3 units carrying 1 of tax, refunded 1 at a time).
@pytest.mark.parametrize(
    ("total", "tax", "refunds", "parts"),
    [(10, 3, [10], [3]), (10, 3, [9, 1], [3, 0]), (10, 3, [1, 9], [0, 3]), (10, 0, [5, 5], [0, 0]),
     (1, 1, [1], [1]), (2, 1, [1, 1], [0, 1]), (0, 0, [0], [0]), (100, 10, [50, 49, 1], [5, 5, 0]),
     (110, 10, [11, 99], [1, 9]), (3, 1, [1, 1, 1], [0, 0, 1])],
)  # fmt: skip
def test_refunds_carry_their_share_of_tax_and_the_last_one_carries_the_rest(
    total, tax, refunds, parts
):
    assert refund_tax_parts(total=total, tax=tax, refunds=refunds) == parts


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(
    total=st.one_of(
        st.sampled_from([1, 2, 3, 10, 10**12]), st.integers(min_value=1, max_value=10**9)
    ),
    tax_share=st.one_of(st.sampled_from([Decimal(0), Decimal(1)]),
                        st.decimals(min_value=0, max_value=1, places=3)),
    cuts=st.lists(st.one_of(st.just(1), st.integers(min_value=1, max_value=1000)), min_size=1,
                  max_size=8),
)  # fmt: skip
def test_refunded_tax_adds_up_to_the_tax_charged_and_never_goes_negative(total, tax_share, cuts):
    tax = int(total * tax_share)
    refunds = [part for part in allocate(total, cuts) if part]
    parts = refund_tax_parts(total=total, tax=tax, refunds=refunds)
    assert sum(parts) == tax
    assert all(0 <= part <= refund for part, refund in zip(parts, refunds, strict=True))


# Equivalent mutant commerce.pricing.x_refund_tax_part__mutmut_19: it drops the 0 from the outer
# max(); the min() beside it is never below zero, since the proportional tax of a positive refund
# is not negative and no earlier refund took more than the tax left, so the 0 never wins.
# Equivalent mutant commerce.pricing.x_refund_tax_part__mutmut_25: it drops ``refund_minor`` from
# the min(); the proportional tax is one of the two parts ``allocate`` splits the refund into, by
# non-negative weights, so it never exceeds the refund and that bound never bites.


def test_a_refund_never_carries_more_tax_than_itself():
    # Small refunds whose proportional tax rounds down must not leave more tax than item: a 28-unit
    # item carrying 22 of tax, refunded 3, 3, 21 and 1, used to put 2 of tax on the last 1.
    parts = refund_tax_parts(total=28, tax=22, refunds=[3, 3, 21, 1])
    assert parts == [2, 2, 17, 1]
    # A hundred one-cent refunds of an item of 100 carrying 20 of tax: never 20 on the last cent.
    cents = refund_tax_parts(total=100, tax=20, refunds=[1] * 100)
    assert sum(cents) == 20 and max(cents) == 1


# --- the least amount a fee schedule leaves something of ------------------------------------


@pytest.mark.parametrize(
    ("code", "percent", "fixed_minor", "least"),
    [
        # 2.9 % + 30¢: at 31¢ the fee is 31¢; at 32¢ it is still 31¢ and a cent is left.
        ("USD", "2.9", 30, 32),
        ("USD", "2.9", 0, 1),
        ("USD", "0", 0, 1),
        ("USD", "0", 1, 2),
        ("USD", "0", 30, 31),
        ("BHD", "0", 1, 2),
        # 99.99 % of 50.00 is 49.995, rounded up to all of it; of 50.01 it leaves a cent.
        ("USD", "99.99", 0, 5001),
        # Far from 1: found from the lower bound, not by counting up from one minor unit.
        ("JPY", "50", 100_000_000, 200_000_002),
    ],
)
def test_the_least_amount_a_fee_leaves_something_of(code, percent, fixed_minor, least):
    found = least_amount_the_fee_leaves_something_of(
        code, percent=Decimal(percent), fixed_minor=fixed_minor
    )
    assert found == Money(least, code)
    left = found - schedule_fee(found, percent=Decimal(percent), fixed_minor=fixed_minor)
    assert left.minor > 0


# The search starts from a lower bound and counts up, so a start anywhere at or below the answer
# gives the same answer. A positive amount ``a`` leaves something exactly when
# ``round_half_up(a * rate) < a - fixed``, i.e. ``a * (1 - rate) > fixed + 1/2``; so every start of
# ``(fixed - c) / (1 - rate)`` with ``c >= -1/2``, rounded down, is at or below the answer. These
# mutants change ``c`` only, and so only how many steps the count takes:
# Equivalent mutant commerce.pricing.x_least_amount_the_fee_leaves_something_of__mutmut_20: c = -1/2
# Equivalent mutant commerce.pricing.x_least_amount_the_fee_leaves_something_of__mutmut_22: c = 1.
# Equivalent mutant commerce.pricing.x_least_amount_the_fee_leaves_something_of__mutmut_23: c = 2.
# Equivalent mutant commerce.pricing.x_least_amount_the_fee_leaves_something_of__mutmut_24: c = 1.
# Equivalent mutant commerce.pricing.x_least_amount_the_fee_leaves_something_of__mutmut_25: c = 1.
# Equivalent mutant commerce.pricing.x_least_amount_the_fee_leaves_something_of__mutmut_26: c = 1/3.


@pytest.mark.parametrize("percent", ["100", "100.01", "150", "-0.01"])
def test_a_fee_schedule_of_100_percent_or_more_or_below_zero_is_refused(percent):
    # A setting, not a request: refused as a programming error when the schedule is read.
    with pytest.raises(ValueError) as refused:
        least_amount_the_fee_leaves_something_of("USD", percent=Decimal(percent), fixed_minor=0)
    assert str(refused.value) == f"a fee of {percent} % leaves nothing of any amount"


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(prices=edge_prices, coupon=edge_coupons, code=codes,
       tax=st.one_of(st.sampled_from([Decimal(0), Decimal("0.01"), Decimal(27), Decimal(100)]),
                     tax_percents))  # fmt: skip
def test_every_priced_line_is_taxed_on_what_is_left_after_its_discount_at_the_edges(
    prices, coupon, code, tax
):
    priced = price_lines([Line(p) for p in prices], currency=code, coupon=coupon, tax_percent=tax)

    assert [line.discount_minor for line in priced] == discount_parts(
        [Line(p) for p in prices], coupon, code
    )
    for price, line in zip(prices, priced, strict=True):
        assert line.price_minor == price
        assert line.tax_minor == Money(price - line.discount_minor, code).percentage(tax).minor
        assert 0 <= line.taxable_minor <= price
        assert line.total_minor == line.taxable_minor + line.tax_minor >= 0


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(
    fee=st.one_of(st.sampled_from([0, 1, MAXIMUM_MINOR_UNITS]),
                  st.integers(min_value=0, max_value=10**6)),
    totals=st.lists(st.one_of(st.sampled_from([0, 1, MAXIMUM_MINOR_UNITS]),
                              st.integers(min_value=0, max_value=10**6)), max_size=6),
)  # fmt: skip
def test_the_fee_parts_add_up_to_the_fee_at_the_edges(fee, totals):
    parts = fee_parts(fee, totals)
    assert len(parts) == len(totals)
    if totals:
        assert sum(parts) == fee
    if sum(totals) == 0:
        assert parts[1:] == [0] * (len(totals) - 1)
    else:
        assert all(part == 0 for part, total in zip(parts, totals, strict=True) if total == 0)
