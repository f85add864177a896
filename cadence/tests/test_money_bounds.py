"""Money.parse is bounded: every amount is read in constant time and none exceeds the maximum."""

import time
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cadence.kernel.money import (
    CURRENCY_EXPONENTS,
    MAXIMUM_MINOR_UNITS,
    Money,
    MoneyError,
    maximum_amount,
)

codes = st.sampled_from(sorted(CURRENCY_EXPONENTS))
signs = st.sampled_from(["", "+", "-"])
# Far beyond what the old parser could expand within a request (1e500000 took 8 s of CPU).
huge_exponents = st.integers(min_value=-(10**7), max_value=10**7)
# Every test input parses in microseconds; a second means something was expanded.
bounded = settings(deadline=timedelta(seconds=1), max_examples=300)


def parse_or_error(value, code):
    try:
        return Money.parse(value, code, field="minPrice")
    except MoneyError as error:
        assert (error.code, error.field) == ("invalid", "minPrice")
        return error


@pytest.mark.parametrize(
    "value", ["1e500000", "1e1000000", "-1e1000000", "1E+999999", 1e308, Decimal("9e999999")]
)
def test_a_huge_exponent_is_out_of_range_at_once(value):
    started = time.perf_counter()
    with pytest.raises(MoneyError) as error:
        Money.parse(value, "USD", field="minPrice")
    assert time.perf_counter() - started < 0.5
    assert (error.value.code, error.value.field, error.value.message) == (
        "invalid",
        "minPrice",
        "is out of range: USD amounts are between -1000000000.00 and 1000000000.00",
    )


def test_the_maximum_is_accepted_and_one_minor_unit_more_is_not():
    assert Money.parse("1000000000.00", "USD") == maximum_amount("USD")
    assert Money.parse("-1000000000.00", "USD") == -maximum_amount("USD")
    assert Money.parse("100000000000", "JPY").minor == MAXIMUM_MINOR_UNITS
    assert Money.parse("100000000.000", "BHD").minor == MAXIMUM_MINOR_UNITS
    for value, code, limit in [
        ("1000000000.01", "USD", "1000000000.00"),
        ("100000000001", "JPY", "100000000000"),
        ("-100000000.001", "BHD", "100000000.000"),
    ]:
        with pytest.raises(MoneyError) as error:
            Money.parse(value, code, field="grossAmount")
        assert (error.value.code, error.value.field, error.value.message) == (
            "invalid",
            "grossAmount",
            f"is out of range: {code} amounts are between -{limit} and {limit}",
        )


def test_the_amounts_the_audit_sent_are_refused():
    for value in ["1e20", 1e20, "92233720368547758.07", "36893488147419103.23"]:
        with pytest.raises(MoneyError, match="out of range") as error:
            Money.parse(value, "USD", field="grossAmount")
        assert (error.value.code, error.value.field) == ("invalid", "grossAmount")


def test_a_tiny_exponent_is_too_many_decimals_not_zero():
    with pytest.raises(MoneyError, match="2 decimal places") as error:
        Money.parse("1e-1000030", "USD")
    assert (error.value.code, error.value.field) == ("invalid", "amount")
    assert Money.parse("0e-1000030", "USD").minor == 0


def test_an_error_never_echoes_a_huge_input():
    with pytest.raises(MoneyError) as error:
        Money.parse("0." + "0" * 100_000 + "1", "USD")
    assert len(error.value.message) < 200
    assert (error.value.code, error.value.field) == ("invalid", "amount")
    # The echo stops after 40 characters of the input and says that it does.
    assert error.value.message == "USD amounts have 2 decimal places; got '0." + "0" * 38 + "…'"


def test_an_input_of_up_to_40_characters_is_echoed_whole_and_a_longer_one_is_cut_there():
    forty = "1." + "0" * 37 + "1"
    with pytest.raises(MoneyError) as error:
        Money.parse(forty, "USD")
    assert error.value.message == f"USD amounts have 2 decimal places; got '{forty}'"
    with pytest.raises(MoneyError) as error:
        Money.parse(forty + "1", "USD")
    assert error.value.message == f"USD amounts have 2 decimal places; got '{forty}…'"


@bounded
@given(mantissa=st.integers(min_value=-(10**20), max_value=10**20), exponent=huge_exponents,
       code=codes)  # fmt: skip
@example(mantissa=1, exponent=500_000, code="USD")
@example(mantissa=1, exponent=1_000_000, code="USD")
@example(mantissa=1, exponent=-1_000_030, code="USD")
def test_any_exponent_parses_within_the_maximum_or_is_refused(mantissa, exponent, code):
    text = f"{mantissa}e{exponent}"
    for given_value in (text, Decimal(text)):
        result = parse_or_error(given_value, code)
        if isinstance(result, Money):
            assert abs(result.minor) <= MAXIMUM_MINOR_UNITS
            assert Money.parse(result.to_decimal_string(), code) == result


@bounded
@given(sign=signs, digits=st.text("0123456789", min_size=13, max_size=20_000),
       decimals=st.text("0123456789", max_size=20_000), code=codes)  # fmt: skip
def test_huge_digit_strings_are_refused_or_exact(sign, digits, decimals, code):
    text = f"{sign}{digits}.{decimals}" if decimals else f"{sign}{digits}"
    result = parse_or_error(text, code)
    exact = Decimal(text)
    if isinstance(result, Money):
        assert result.to_decimal() == exact
    else:
        places = CURRENCY_EXPONENTS[code]
        too_big = abs(exact) > Decimal(MAXIMUM_MINOR_UNITS).scaleb(-places)
        assert too_big or exact != exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


@bounded
@given(
    sign=signs,
    word=st.sampled_from(["nan", "NaN", "snan", "sNaN", "inf", "Inf", "infinity", "Infinity"]),
    code=codes,
)
def test_nan_and_infinities_are_refused_in_every_spelling(sign, word, code):
    assert isinstance(parse_or_error(f"{sign}{word}", code), MoneyError)
    assert isinstance(parse_or_error(Decimal(f"{sign}{word}"), code), MoneyError)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_float_nan_and_infinities_are_refused(value):
    with pytest.raises(MoneyError, match="finite") as error:
        Money.parse(value, "USD")
    assert (error.value.code, error.value.field) == ("invalid", "amount")


@bounded
@given(minor=st.integers(min_value=0, max_value=MAXIMUM_MINOR_UNITS), code=codes)
def test_a_sign_mirrors_the_amount_up_to_the_maximum(minor, code):
    text = Money(minor, code).to_decimal_string()
    assert Money.parse(f"-{text}", code) == -Money.parse(text, code)
    assert Money.parse(f"+{text}", code) == Money.parse(text, code)
    assert Money.parse(Decimal(f"-{text}"), code).minor == -minor


def test_the_magnitude_guard_leaves_every_number_of_up_to_13_integer_digits_to_the_exact_check():
    # The guard refuses by the leading digit alone only past 10**12 (14 integer digits or more);
    # a 13-digit number reaches the exact check, which reads its decimals before its size.
    with pytest.raises(MoneyError) as error:
        Money.parse("1000000000000.001", "USD", field="grossAmount")
    assert (error.value.code, error.value.field, error.value.message) == (
        "invalid",
        "grossAmount",
        "USD amounts have 2 decimal places; got '1000000000000.001'",
    )
    with pytest.raises(MoneyError) as error:
        Money.parse("10000000000000.001", "USD", field="grossAmount")
    assert error.value.message.startswith("is out of range")
