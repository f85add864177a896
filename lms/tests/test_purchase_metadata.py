"""The purchase recorded with an enrollment keeps its amount exactly, or refuses it."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.kernel.money import MAXIMUM_MINOR_UNITS
from lms.data import PurchaseMetadata
from lms.errors import LmsError
from lms.services.enrollments import purchase_fields

# Every amount up to the kernel's maximum (1,000,000,000.00 USD); beyond it is refused.
cents = st.integers(min_value=0, max_value=MAXIMUM_MINOR_UNITS)


@given(cents)
def test_an_amount_with_the_currencys_places_is_kept_to_the_minor_unit(minor):
    amount = Decimal(minor).scaleb(-2)

    for sent in (amount, str(amount), f"{amount:.2f}"):
        fields = purchase_fields(PurchaseMetadata(amount=sent, currency="usd"))
        assert fields == {"purchase_amount_minor": minor, "purchase_currency": "USD"}


@given(cents, st.integers(min_value=1, max_value=9))
def test_more_places_than_the_currency_has_are_refused_not_rounded(minor, extra_digit):
    amount = Decimal(minor).scaleb(-2) + Decimal(extra_digit).scaleb(-3)

    with pytest.raises(LmsError) as refused:
        purchase_fields(PurchaseMetadata(amount=amount, currency="USD"))

    assert refused.value.field == "metadata.amount"


@given(st.integers(min_value=0, max_value=10**9))
def test_a_zero_decimal_currency_takes_whole_amounts_only(yen):
    assert (
        purchase_fields(PurchaseMetadata(amount=yen, currency="JPY"))["purchase_amount_minor"]
        == yen
    )
    with pytest.raises(LmsError):
        purchase_fields(PurchaseMetadata(amount=Decimal(yen) + Decimal("0.5"), currency="JPY"))


def test_an_amount_without_a_currency_names_the_currency():
    with pytest.raises(LmsError) as refused:
        purchase_fields(PurchaseMetadata(amount=Decimal("10.00")))

    assert refused.value.field == "metadata.currency"
