from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.kernel.money import (
    CURRENCY_EXPONENTS,
    Money,
    MoneyError,
    allocate,
    currency,
    money_table,
    percentage_fee,
)

shares = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8).filter(
    lambda weights: sum(weights) > 0
)
totals = st.integers(min_value=-(10**12), max_value=10**12)


def test_the_specs_199_dollar_example():
    gross = Money.parse("199.00", "USD")
    fee = percentage_fee(gross, percent="2.9", fixed=Money.parse("0.30", "USD"))
    net = gross - fee
    platform, creator, instructor = net.allocate([30, 40, 30])

    assert fee.to_decimal_string() == "6.07"
    assert net.to_decimal_string() == "192.93"
    assert [platform.to_decimal_string(), creator.to_decimal_string(),
            instructor.to_decimal_string()] == ["57.88", "77.17", "57.88"]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "code", "minor"),
    [("199.00", "USD", 19900), ("199", "USD", 19900), (199, "USD", 19900),
     (Decimal("192.31"), "USD", 19231), (192.31, "USD", 19231), ("1500", "JPY", 1500),
     ("1.234", "BHD", 1234), ("-5.5", "EUR", -550), ("0.10", "usd", 10)],
)  # fmt: skip
def test_parse_accepts_strings_numbers_and_decimals(value, code, minor):
    assert Money.parse(value, code).minor == minor


@pytest.mark.parametrize(
    ("value", "code", "reason"),
    [("199.001", "USD", "2 decimal places"), ("10.5", "JPY", "no decimal places"),
     ("1.2345", "BHD", "3 decimal places"), ("abc", "USD", "not a decimal number"),
     ("", "USD", "decimal number"), ("NaN", "USD", "decimal number"), (True, "USD", "number"),
     ("1.00", "XXX", "not a supported ISO 4217")],
)  # fmt: skip
def test_parse_refuses_what_the_currency_cannot_hold(value, code, reason):
    with pytest.raises(MoneyError) as error:
        Money.parse(value, code, field="grossAmount")
    assert reason in error.value.message
    assert error.value.field in {"grossAmount", "currency"}


def test_formatting_uses_the_currency_exponent():
    assert Money(19900, "USD").to_decimal_string() == "199.00"
    assert Money(1500, "JPY").to_decimal_string() == "1500"
    assert Money(1234, "BHD").to_decimal_string() == "1.234"
    assert Money(123456, "USD").format() == "$1,234.56"
    assert Money(-550, "EUR").format() == "-€5.50"
    assert Money(1234, "BHD").format() == "1.234 BHD"


def test_arithmetic_refuses_to_mix_currencies():
    with pytest.raises(MoneyError):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(MoneyError):
        Money(1.5, "USD")  # type: ignore[arg-type]


def test_percentage_rounds_half_away_from_zero():
    assert Money(50, "USD").percentage(1).minor == 1  # 0.5 → 1
    assert Money(-50, "USD").percentage(1).minor == -1
    assert Money(49, "USD").percentage(1).minor == 0
    assert currency("jpy").exponent == 0


@given(total=totals, weights=shares)
def test_allocation_parts_sum_to_the_whole(total, weights):
    assert sum(allocate(total, weights)) == total


@given(total=totals, weights=shares)
def test_each_part_is_within_one_minor_unit_of_its_exact_share(total, weights):
    parts = allocate(total, weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total) * weight / sum(weights)
        assert abs(part - exact) < 1


@given(total=totals, weights=shares)
def test_allocation_is_deterministic(total, weights):
    assert allocate(total, weights) == allocate(total, list(weights))


@given(total=totals, weights=shares)
def test_negative_amounts_mirror_positive_ones(total, weights):
    assert allocate(-total, weights) == [-part for part in allocate(total, weights)]


@given(amount=st.integers(min_value=-10**10, max_value=10**10),
       percent=st.decimals(min_value=0, max_value=100, places=3))  # fmt: skip
def test_fees_mirror_for_refunds(amount, percent):
    fixed = Money(30, "USD")
    fee = percentage_fee(Money(amount, "USD"), percent=percent, fixed=fixed)
    assert percentage_fee(Money(-amount, "USD"), percent=percent, fixed=fixed) == -fee


def test_allocation_refuses_meaningless_shares():
    with pytest.raises(MoneyError):
        allocate(100, [])
    with pytest.raises(MoneyError):
        allocate(100, [0, 0])
    with pytest.raises(MoneyError):
        allocate(100, [50, -50])


def test_a_money_table_reads_each_row_in_its_own_currencys_minor_units():
    rows = {code: "1" for code in CURRENCY_EXPONENTS} | {"USD": "0.50", "JPY": "50", "BHD": "0.2"}

    table = money_table(rows, name="MINIMUMS")

    assert (table["USD"], table["JPY"], table["BHD"]) == (
        Money(50, "USD"),
        Money(50, "JPY"),
        Money(200, "BHD"),
    )


@pytest.mark.parametrize(
    ("rows", "field", "reason"),
    [
        ({"JPY": "0.5"}, "MINIMUMS[JPY]", "JPY amounts have no decimal places"),
        ({"XXX": "1"}, "MINIMUMS[XXX]", "not a supported ISO 4217 currency code"),
        ({"USD": "1.00"}, "MINIMUMS", "has no amount for AED, ARS"),
    ],
)
def test_a_money_table_refuses_a_wrong_or_missing_row_naming_it(rows, field, reason):
    with pytest.raises(MoneyError, match=reason) as refused:
        money_table(rows, name="MINIMUMS")

    assert refused.value.field == field
