"""Pure price arithmetic: coupon discounts, tax and fees split across order items exactly.

No database here, so the rules can be property-tested on their own. Every function works in
integer minor units of one currency and returns parts that sum exactly to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from cadence.kernel.money import Money, allocate, percentage_fee


@dataclass(frozen=True)
class CouponTerms:
    """What a coupon takes off: ``percent_off`` or ``amount_off_minor``, on eligible lines."""

    percent_off: Decimal | None = None
    amount_off_minor: int | None = None


@dataclass(frozen=True)
class Line:
    price_minor: int
    coupon_applies: bool = True


@dataclass(frozen=True)
class PricedLine:
    price_minor: int
    discount_minor: int
    tax_minor: int

    @property
    def taxable_minor(self) -> int:
        return self.price_minor - self.discount_minor

    @property
    def total_minor(self) -> int:
        return self.price_minor - self.discount_minor + self.tax_minor


def discount_parts(lines: Sequence[Line], coupon: CouponTerms | None, currency: str) -> list[int]:
    """The coupon's discount on each line, allocated by price with largest remainder.

    A percentage coupon takes that percent of the eligible subtotal (rounded half up once, on the
    subtotal, so the order's discount is what the learner expects); a fixed coupon takes its amount
    but never more than the eligible subtotal. Lines the coupon does not apply to get zero.
    """
    parts = [0] * len(lines)
    if coupon is None:
        return parts
    eligible = [i for i, line in enumerate(lines) if line.coupon_applies and line.price_minor > 0]
    subtotal = sum(lines[i].price_minor for i in eligible)
    if subtotal == 0:
        return parts
    if coupon.percent_off is not None:
        total = Money(subtotal, currency).percentage(coupon.percent_off).minor
    else:
        total = coupon.amount_off_minor or 0
    total = min(total, subtotal)
    for index, part in zip(
        eligible, allocate(total, [lines[i].price_minor for i in eligible]), strict=True
    ):
        parts[index] = part
    return parts


def tax_on(taxable_minor: int, percent: Decimal, currency: str) -> int:
    """Tax on one item, rounded half up per item (the order's tax is the sum of its items')."""
    return Money(taxable_minor, currency).percentage(percent).minor


def price_lines(
    lines: Sequence[Line], *, currency: str, coupon: CouponTerms | None, tax_percent: Decimal
) -> list[PricedLine]:
    discounts = discount_parts(lines, coupon, currency)
    return [
        PricedLine(
            price_minor=line.price_minor,
            discount_minor=discount,
            tax_minor=tax_on(line.price_minor - discount, tax_percent, currency),
        )
        for line, discount in zip(lines, discounts, strict=True)
    ]


def fee_parts(fee_minor: int, item_totals: Sequence[int]) -> list[int]:
    """The order's processor fee split across its items in proportion to what each one cost."""
    if not item_totals:
        return []
    if sum(item_totals) == 0:
        # Nothing was charged for any item; any fee (there should be none) lands on the first.
        return [fee_minor] + [0] * (len(item_totals) - 1)
    return allocate(fee_minor, list(item_totals))


def schedule_fee(amount: Money, *, percent: Decimal, fixed_minor: int) -> Money:
    """A card-style fee schedule such as 2.9% + 30¢ (nothing is charged on a zero amount)."""
    return percentage_fee(amount, percent=percent, fixed=Money(fixed_minor, amount.currency))


def least_amount_the_fee_leaves_something_of(
    currency: str, *, percent: Decimal, fixed_minor: int
) -> Money:
    """The smallest amount of which the fee schedule leaves more than nothing (1 at least).

    What is left, ``amount - fee(amount)``, never falls as the amount grows (the percentage part
    rises by at most one minor unit per unit while it is under 100 %), so the answer is the first
    amount from a lower bound up that leaves something: ``amount * (1 - percent) > fixed - 1/2``
    must hold, whatever the rounding of the percentage part.
    """
    rate = Fraction(Decimal(percent)) / 100
    if not 0 <= rate < 1:
        raise ValueError(f"a fee of {percent} % leaves nothing of any amount")
    amount = max(1, int((fixed_minor - Fraction(1, 2)) / (1 - rate)))
    while True:
        candidate = Money(amount, currency)
        left = candidate - schedule_fee(candidate, percent=percent, fixed_minor=fixed_minor)
        if left.minor > 0:
            return candidate
        amount += 1


def refund_tax_part(
    *,
    refund_minor: int,
    item_total_minor: int,
    item_tax_minor: int,
    tax_refunded_minor: int,
    refunded_minor: int,
) -> int:
    """How much of a refund of ``refund_minor`` is tax.

    In proportion to the item's tax share, never more than the refund itself nor than the tax not
    yet refunded, and never so little that the tax left would exceed what is left of the item: so
    every refund's tax lies between zero and the refund, and the refund that takes the item to
    zero carries exactly the tax not yet refunded.
    """  # fmt: skip
    tax_left = item_tax_minor - tax_refunded_minor
    amount_left_after = item_total_minor - refunded_minor - refund_minor
    if amount_left_after <= 0:
        return tax_left
    _, tax = allocate(refund_minor, [item_total_minor - item_tax_minor, item_tax_minor])
    # The tax left after this refund must still fit in what is left of the item.
    return max(min(tax, tax_left, refund_minor), tax_left - amount_left_after, 0)
