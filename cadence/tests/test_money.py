from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.kernel.money import (
    CURRENCY_EXPONENTS,
    MAXIMUM_MINOR_UNITS,
    Currency,
    Money,
    MoneyError,
    allocate,
    currency,
    currency_choices,
    decimal_string,
    money_table,
    percentage_fee,
    round_half_away,
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
    # An unknown currency is the currency's fault; anything else is the amount's.
    assert error.value.code == "invalid"
    assert error.value.field == ("currency" if code == "XXX" else "grossAmount")


def test_formatting_uses_the_currency_exponent():
    assert Money(19900, "USD").to_decimal_string() == "199.00"
    assert Money(1500, "JPY").to_decimal_string() == "1500"
    assert Money(1234, "BHD").to_decimal_string() == "1.234"
    assert Money(123456, "USD").format() == "$1,234.56"
    assert Money(-550, "EUR").format() == "-€5.50"
    assert Money(1234, "BHD").format() == "1.234 BHD"


def test_arithmetic_refuses_to_mix_currencies():
    with pytest.raises(MoneyError) as mixed:
        Money(1, "USD") + Money(1, "EUR")
    assert (mixed.value.code, mixed.value.field) == ("invalid", "currency")
    with pytest.raises(MoneyError) as fractional:
        Money(1.5, "USD")  # type: ignore[arg-type]
    assert (fractional.value.code, fractional.value.field) == ("invalid", "amount")


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
    for weights in ([], [0, 0], [50, -50]):
        with pytest.raises(MoneyError) as refused:
            allocate(100, weights)
        assert (refused.value.code, refused.value.field) == ("invalid", "shares")


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

    assert (refused.value.code, refused.value.field) == ("invalid", field)


# --- the edges, drawn on purpose ------------------------------------------------------------
# Every money error is checked for its code and field as well as its reason: an API client is
# told the field, and callers branch on the code; the message alone protects neither.

# The largest amount any money column holds (a signed 64-bit BigIntegerField).
LARGEST_STORED_MINOR = 2**63 - 1


def edge_amounts(limit: int = LARGEST_STORED_MINOR):
    """Zero, one minor unit either way, the documented maximum of one amount and the largest
    stored amount (up to ``limit``), besides anything else."""
    edges = [0, 1, -1, 2, -2, 50, -50, 100, -100, limit, -limit, limit - 1, -(limit - 1)]
    edges += [
        amount for amount in (MAXIMUM_MINOR_UNITS, -MAXIMUM_MINOR_UNITS) if abs(amount) < limit
    ]
    return st.one_of(st.sampled_from(edges), st.integers(min_value=-limit, max_value=limit))


# Every code, so that each exponent the platform sells in (0, 2 and 3) is drawn.
codes = st.sampled_from(sorted(CURRENCY_EXPONENTS))


def refusal(call, *args, **kwargs) -> MoneyError:
    with pytest.raises(MoneyError) as refused:
        call(*args, **kwargs)
    return refused.value


def assert_refused(error: MoneyError, *, field: str, message: str) -> None:
    assert (error.code, error.field, error.message) == ("invalid", field, message)


def test_the_currencies_sold_in_have_exponents_0_2_and_3():
    assert sorted(set(CURRENCY_EXPONENTS.values())) == [0, 2, 3]
    assert [currency(code).exponent for code in ("JPY", "USD", "BHD")] == [0, 2, 3]


def test_a_currency_code_is_read_case_and_space_insensitively_and_unknown_ones_are_refused():
    assert currency(" usd ") == Currency("USD", 2)
    assert currency("bhd").quantum == Decimal("0.001")
    assert currency("JPY").quantum == Decimal("1")
    assert_refused(
        refusal(currency, "XXX"),
        field="currency",
        message="'XXX' is not a supported ISO 4217 currency code",
    )
    assert_refused(
        refusal(currency, " xxx ", field="payoutCurrency"),
        field="payoutCurrency",
        message="' xxx ' is not a supported ISO 4217 currency code",
    )
    assert_refused(
        refusal(currency, 840, field="payoutCurrency"),
        field="payoutCurrency",
        message="must be an ISO 4217 currency code such as USD",
    )
    assert_refused(
        refusal(currency, None),
        field="currency",
        message="must be an ISO 4217 currency code such as USD",
    )


def test_currency_choices_list_every_code_once_in_order():
    choices = currency_choices()
    assert choices == [(code, code) for code in sorted(CURRENCY_EXPONENTS)]
    assert choices[0] == ("AED", "AED") and choices[-1] == ("ZAR", "ZAR")


def test_minor_units_must_be_an_integer_and_the_currency_is_normalised():
    for not_an_int in (1.5, True, False, "100", Decimal("1")):
        assert_refused(
            refusal(Money, not_an_int, "USD"),
            field="amount",
            message="minor units must be an integer",
        )
    assert_refused(
        refusal(Money, 1, "XXX"),
        field="currency",
        message="'XXX' is not a supported ISO 4217 currency code",
    )
    assert Money(1, " usd").currency == "USD"
    assert Money.zero("jpy") == Money(0, "JPY")
    assert Money.zero("USD").is_zero and not Money(1, "USD").is_zero
    assert not Money(-1, "USD").is_zero


@pytest.mark.parametrize(
    ("value", "code", "minor"),
    [("0", "USD", 0), ("0.01", "USD", 1), ("-0.01", "USD", -1), ("1.000", "JPY", 1),
     ("0.001", "BHD", 1), ("1E+2", "JPY", 100), (" 199.00 ", "USD", 19900),
     (Decimal("0.010"), "USD", 1), (0.5, "EUR", 50), (-0, "USD", 0)],
)  # fmt: skip
def test_parse_reads_one_minor_unit_and_trailing_zeros_exactly(value, code, minor):
    assert Money.parse(value, code) == Money(minor, code.strip().upper())


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [("199.001", "USD", "USD amounts have 2 decimal places; got '199.001'"),
     ("0.5", "JPY", "JPY amounts have no decimal places; got '0.5'"),
     ("1.2345", "bhd", "BHD amounts have 3 decimal places; got '1.2345'"),
     (0.1 + 0.2, "USD", "USD amounts have 2 decimal places; got '0.30000000000000004'"),
     ("abc", "USD", "'abc' is not a decimal number such as 199.00"),
     ("1,00", "USD", "'1,00' is not a decimal number such as 199.00"),
     ("", "USD", "must be a decimal number such as 199.00"),
     ("   ", "USD", "must be a decimal number such as 199.00"),
     ("NaN", "USD", "must be a decimal number such as 199.00"),
     ("sNaN", "USD", "must be a decimal number such as 199.00"),
     ("inf", "USD", "must be a decimal number such as 199.00"),
     ("-Infinity", "USD", "must be a decimal number such as 199.00"),
     ("-inf", "USD", "must be a decimal number such as 199.00"),
     ("Infinity", "USD", "must be a decimal number such as 199.00"),
     ("+Infinity", "USD", "must be a finite number"),
     (Decimal("Infinity"), "USD", "must be a finite number"),
     (Decimal("NaN"), "USD", "must be a finite number"),
     (float("inf"), "USD", "must be a finite number"),
     (True, "USD", "must be a number or a decimal string"),
     (None, "USD", "must be a number or a decimal string"),
     ([1], "USD", "must be a number or a decimal string")],
)  # fmt: skip
def test_parse_names_the_field_and_the_reason_it_refuses(value, code, message):
    assert_refused(refusal(Money.parse, value, code, field="grossAmount"), field="grossAmount",
                   message=message)  # fmt: skip


def test_parse_refuses_an_unknown_currency_on_the_currency_field():
    assert_refused(
        refusal(Money.parse, "1.00", "XXX", field="grossAmount"),
        field="currency",
        message="'XXX' is not a supported ISO 4217 currency code",
    )
    assert refusal(Money.parse, "abc", "USD").field == "amount"


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(minor=edge_amounts(MAXIMUM_MINOR_UNITS), code=codes)
def test_an_amount_reads_back_from_its_decimal_string_in_every_currency(minor, code):
    """Up to the documented maximum that ``Money.parse`` accepts, in every currency."""
    money = Money(minor, code)
    text = money.to_decimal_string()
    exponent = CURRENCY_EXPONENTS[code]
    assert Money.parse(text, code) == money
    assert money.to_decimal() == Decimal(minor).scaleb(-exponent)
    # Exactly the currency's decimals, even for zero and one minor unit.
    assert len(text.partition(".")[2]) == exponent


@pytest.mark.parametrize(
    ("minor", "code", "label"),
    [(0, "USD", "$0.00"), (50, "USD", "$0.50"), (1, "USD", "$0.01"), (-1, "USD", "-$0.01"),
     (-50, "USD", "-$0.50"), (119900, "USD", "$1,199.00"), (0, "JPY", "¥0"),
     (1500, "JPY", "¥1,500"), (-1500, "JPY", "-¥1,500"), (1, "GBP", "£0.01"),
     (0, "BHD", "0.000 BHD"), (1199000, "BHD", "1,199.000 BHD"), (-1, "BHD", "-0.001 BHD"),
     (0, "KRW", "0 KRW"), (-123456, "CHF", "-1,234.56 CHF")],
)  # fmt: skip
def test_format_puts_a_minus_only_before_amounts_below_zero(minor, code, label):
    assert Money(minor, code).format() == label
    assert str(Money(minor, code)) == label


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(minor=edge_amounts(), code=codes)
def test_format_shows_the_sign_only_for_negative_amounts_in_every_currency(minor, code):
    label = Money(minor, code).format()
    assert label.startswith("-") == (minor < 0)
    digits = label.lstrip("-").strip("$€£¥ ").removesuffix(code).strip().replace(",", "")
    assert digits == Money(abs(minor), code).to_decimal_string()


def test_arithmetic_keeps_the_currency_and_refuses_to_mix():
    assert Money(5, "USD") + Money(-7, "USD") == Money(-2, "USD")
    assert Money(5, "USD") - Money(7, "USD") == Money(-2, "USD")
    assert -Money(5, "JPY") == Money(-5, "JPY")
    assert -Money(0, "JPY") == Money(0, "JPY")
    for combine in (
        lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a < b, lambda a, b: a <= b,
        lambda a, b: a > b, lambda a, b: a >= b,
    ):  # fmt: skip
        assert_refused(
            refusal(combine, Money(1, "USD"), Money(1, "EUR")),
            field="currency",
            message="cannot combine USD with EUR",
        )
        with pytest.raises(TypeError, match=r"^cannot combine Money with int$"):
            combine(Money(1, "USD"), 1)


@pytest.mark.parametrize(("a", "b"), [(0, 1), (1, 0), (1, 1), (-1, 0), (-5, -5), (-6, -5)])
def test_comparisons_order_amounts_by_their_minor_units(a, b):
    left, right = Money(a, "USD"), Money(b, "USD")
    assert (left < right, left <= right, left > right, left >= right) == (
        a < b, a <= b, a > b, a >= b,
    )  # fmt: skip


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(a=edge_amounts(), b=edge_amounts(), code=codes)
def test_comparisons_agree_with_the_minor_units_at_every_edge(a, b, code):
    left, right = Money(a, code), Money(b, code)
    assert (left < right, left <= right, left > right, left >= right) == (
        a < b, a <= b, a > b, a >= b,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(Fraction(0), 0), (Fraction(1, 3), 0), (Fraction(1, 2), 1), (Fraction(2, 3), 1),
     (Fraction(3, 2), 2), (Fraction(5, 2), 3), (Fraction(-1, 3), 0), (Fraction(-1, 2), -1),
     (Fraction(-2, 3), -1), (Fraction(-5, 2), -3), (Fraction(7), 7), (Fraction(-7), -7),
     (Fraction(499, 1000), 0), (Fraction(501, 1000), 1)],
)  # fmt: skip
def test_round_half_away_rounds_halves_away_from_zero(value, rounded):
    assert round_half_away(value) == rounded


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(numerator=edge_amounts(), denominator=st.integers(min_value=1, max_value=10**6))
def test_rounding_is_within_half_a_unit_and_mirrors_for_negatives(numerator, denominator):
    value = Fraction(numerator, denominator)
    rounded = round_half_away(value)
    assert abs(rounded - value) <= Fraction(1, 2)
    assert round_half_away(-value) == -rounded


@pytest.mark.parametrize(
    ("minor", "percent", "share"),
    [(0, "50", 0), (1, "50", 1), (1, "49.99", 0), (-1, "50", -1), (19900, "2.9", 577),
     (19900, Decimal("100"), 19900), (19900, 0, 0), (3, Decimal("33.3333"), 1), (10, 150, 15)],
)  # fmt: skip
def test_percentage_of_an_amount_rounds_half_away_from_zero(minor, percent, share):
    assert Money(minor, "USD").percentage(percent) == Money(share, "USD")


@pytest.mark.parametrize(
    ("minor", "fee"),
    [(0, 0), (1, 30), (-1, -30), (17, 30), (18, 31), (-18, -31), (19900, 607), (-19900, -607)],
)
def test_a_card_fee_charges_the_fixed_part_on_any_non_zero_amount(minor, fee):
    # 2.9 % of one cent rounds to nothing, but the 30-cent fixed part is still charged; a refund
    # of one cent gives the fee back with the opposite sign, and nothing is charged on nothing.
    charged = percentage_fee(Money(minor, "USD"), percent="2.9", fixed=Money(30, "USD"))
    assert charged == Money(fee, "USD")


# Equivalent mutant cadence.kernel.money.x_percentage_fee__mutmut_9: it charges the fixed part
# as positive when ``amount.minor >= 0`` instead of ``> 0``; the two differ only at zero, and a
# zero amount has already returned a zero fee before the comparison is reached.
# Equivalent mutant cadence.kernel.money.x_round_half_away__mutmut_19: ``value > 0`` instead of
# ``>= 0`` only changes the sign of a zero result, and -0 is 0.
# Equivalent mutant cadence.kernel.money.x_allocate__mutmut_11: it reads every weight with
# ``Fraction(w)``, which takes a Decimal as exactly as ``Fraction(Decimal(w))`` does.


def test_a_fee_without_a_fixed_part_is_only_the_percentage():
    assert percentage_fee(Money(19900, "USD"), percent="2.9") == Money(577, "USD")
    assert percentage_fee(Money(1, "JPY"), percent=Decimal("2.9")) == Money(0, "JPY")
    assert percentage_fee(Money(0, "BHD"), percent="50", fixed=Money(5, "BHD")) == Money(0, "BHD")


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(minor=edge_amounts(10**15), code=codes, fixed=st.sampled_from([0, 1, 30]))
def test_a_fee_is_the_rounded_percentage_plus_the_signed_fixed_part(minor, code, fixed):
    fee = percentage_fee(Money(minor, code), percent="2.9", fixed=Money(fixed, code))
    sign = (minor > 0) - (minor < 0)
    assert fee == Money(round_half_away(Fraction(minor) * Fraction("2.9") / 100) + sign * fixed,
                        code)  # fmt: skip


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [(1, [1, 1], [1, 0]), (2, [1, 1, 1], [1, 1, 0]), (-1, [1, 1], [-1, 0]), (0, [1, 2], [0, 0]),
     (10, [1, 1, 1], [4, 3, 3]), (5, [1, 3], [1, 4]), (5, [3, 1], [4, 1]), (7, [0, 1], [0, 7]),
     (1, [2, 1, 1], [1, 0, 0]), (1, [1, 2, 1], [0, 1, 0]), (100, [1], [100]),
     (19293, [4000, 3000, 3000], [7717, 5788, 5788]),
     # 2.2 and 0.8: the leftover unit goes to the larger remainder, not to the larger share.
     (3, [11, 4], [2, 1])],
)  # fmt: skip
def test_allocation_gives_leftover_units_to_the_largest_remainders_then_the_earliest(
    total, weights, parts
):
    assert allocate(total, weights) == parts


def test_allocation_takes_fraction_and_decimal_weights_as_documented():
    assert allocate(10, [Fraction(1, 3), Fraction(2, 3)]) == [3, 7]
    assert allocate(100, [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]) == [50, 25, 25]
    assert allocate(1, [Decimal("0.1"), Decimal("0.2")]) == [0, 1]
    assert allocate(-1, [Fraction(1, 10), Decimal("0.2"), 0]) == [0, -1, 0]
    assert Money(10, "BHD").allocate([Fraction(1, 3), Decimal("0.5"), 1]) == [
        Money(2, "BHD"), Money(3, "BHD"), Money(5, "BHD"),
    ]  # fmt: skip


@settings(deadline=None)  # the largest amounts are slow on a busy machine, not wrong
@given(
    total=edge_amounts(),
    weights=st.lists(
        st.one_of(
            st.integers(min_value=0, max_value=10_000),
            st.fractions(min_value=0, max_value=100, max_denominator=1000),
            st.decimals(min_value=0, max_value=100, places=4),
        ),
        min_size=1,
        max_size=6,
    ).filter(lambda weights: sum(Fraction(w) for w in weights) > 0),
)
def test_allocation_by_mixed_weights_adds_up_and_stays_within_a_unit(total, weights):
    parts = allocate(total, weights)
    ratios = [Fraction(w) for w in weights]
    assert sum(parts) == total
    for part, ratio in zip(parts, ratios, strict=True):
        exact = Fraction(total) * ratio / sum(ratios)
        assert abs(part - exact) < 1
        assert part == 0 or (part > 0) == (total > 0)
    # Largest remainder: a part that got a leftover unit had at least the remainder of any part
    # that did not, and on a tie came earlier.
    magnitude = abs(total)
    exact = [Fraction(magnitude) * r / sum(ratios) for r in ratios]
    floors = [int(share) for share in exact]
    rounded_up = [i for i, part in enumerate(parts) if abs(part) > floors[i]]
    for i in rounded_up:
        for j in set(range(len(parts))) - set(rounded_up):
            remainder_i, remainder_j = exact[i] - floors[i], exact[j] - floors[j]
            assert remainder_i > remainder_j or (remainder_i == remainder_j and i < j)


def test_allocation_names_the_shares_when_it_refuses_them():
    assert_refused(refusal(allocate, 100, []), field="shares", message="needs at least one share")
    assert_refused(
        refusal(allocate, 100, [0, Decimal(0), Fraction(0)]),
        field="shares",
        message="shares must not all be zero",
    )
    assert_refused(
        refusal(allocate, 100, [50, -1]), field="shares", message="shares cannot be negative"
    )
    assert_refused(
        refusal(allocate, 0, [Fraction(-1, 2), 1]),
        field="shares",
        message="shares cannot be negative",
    )
    assert_refused(
        refusal(Money(100, "USD").allocate, [Decimal("-0.1"), Decimal("0.2")]),
        field="shares",
        message="shares cannot be negative",
    )


@settings(max_examples=500)
@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    code=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
)
def test_decimal_string_is_the_text_of_the_quantized_decimal(minor, code):
    unit = currency(code)
    expected = str(Decimal(minor).scaleb(-unit.exponent).quantize(unit.quantum))

    assert decimal_string(minor, code) == expected
    assert Money(minor, code).to_decimal_string() == expected


@pytest.mark.parametrize(
    ("minor", "code", "text"),
    [
        (0, "USD", "0.00"), (5, "USD", "0.05"), (-5, "USD", "-0.05"), (-100, "EUR", "-1.00"),
        (19900, "USD", "199.00"), (1500, "JPY", "1500"), (-7, "JPY", "-7"), (0, "JPY", "0"),
        (1, "BHD", "0.001"), (-123456, "BHD", "-123.456"),
    ],
)  # fmt: skip
def test_decimal_string_shows_exactly_the_currencys_decimals(minor, code, text):
    assert decimal_string(minor, code) == text


@pytest.mark.parametrize(
    ("minor", "code"), [(1.5, "USD"), (True, "USD"), ("100", "USD"), (1, "XXX")]
)
def test_decimal_string_refuses_what_money_refuses_in_its_words(minor, code):
    with pytest.raises(MoneyError) as money_refused:
        Money(minor, code)
    with pytest.raises(MoneyError) as refused:
        decimal_string(minor, code)

    assert refused.value.as_dict() == money_refused.value.as_dict()
    assert refused.value.field == money_refused.value.field


# Equivalent mutant cadence.kernel.money.x_decimal_string__mutmut_13: it looks the currency up
# with ``_CURRENCIES.get(None)``, which finds nothing, so ``currency(code)`` finds the very same
# currency (or refuses the very same code) by the slower path.
