"""Money as integer minor units with an ISO 4217 currency.

Rules every context follows:

- An amount is an ``int`` of the currency's minor unit (cents for USD, yen for JPY, fils for BHD).
  Floats never hold money.
- Parsing accepts decimal strings, ints, ``Decimal`` and JSON numbers, and refuses more decimal
  places than the currency has instead of rounding them away.
- Every parsed amount is bounded: at most ``MAXIMUM_MINOR_UNITS`` minor units either side of zero
  (see ``maximum_amount``), checked before any arithmetic, so parsing takes the same short time
  whatever exponent or digits it is sent.
- A percentage of an amount rounds half away from zero, so a negative amount mirrors a positive.
- Splitting uses the largest-remainder method: the parts always add up to the whole, each part is
  within one minor unit of its exact share, and ties go to the earlier part, so the result is
  deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, InvalidOperation
from fractions import Fraction

from cadence.kernel.errors import ApplicationError


class MoneyError(ApplicationError):
    """An amount or currency that cannot be used as given."""


# ISO 4217 codes with their minor-unit exponents. Covers the currencies a course platform sells in;
# an unknown code is refused rather than guessed.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0,
    "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2,
    "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0, "KES": 2, "KRW": 0, "KWD": 3,
    "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PKR": 2, "PLN": 2,
    "QAR": 2, "RON": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2, "TWD": 2,
    "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

CURRENCY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

# The largest size of one amount, in minor units of its currency: 1,000,000,000.00 USD or EUR,
# 100,000,000,000 JPY, 100,000,000.000 BHD. No price, payment, refund, fee or share of a course
# sale comes near it, yet 92 million amounts this size still sum below 2**63 - 1, the largest
# integer the database stores, so a year of sales cannot overflow a total, a report or the ledger.
MAXIMUM_MINOR_UNITS = 10**11
# A number whose leading digit is at a higher power of ten than this is past every maximum.
_MAXIMUM_DIGITS = len(str(MAXIMUM_MINOR_UNITS))

# Parsing rounds nothing: an amount within the maximum has at most 12 integer digits and 3
# decimals, far inside this precision, and a dropped non-zero digit raises ``Inexact``.
_EXACT = Context(prec=40, traps=[Inexact, InvalidOperation])
# Longest text of an amount echoed back in an error message.
_ECHO_LIMIT = 40


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    exponent: int

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.exponent)


# One Currency per code, made once: every amount shown or built asks for its currency (an order
# of ten items, over a hundred times).
_CURRENCIES = {code: Currency(code, exponent) for code, exponent in CURRENCY_EXPONENTS.items()}


def currency(code: str, *, field: str = "currency") -> Currency:
    """Return the currency for an ISO 4217 code, or raise ``MoneyError`` naming ``field``."""
    if not isinstance(code, str):
        raise MoneyError("must be an ISO 4217 currency code such as USD", field=field)
    found = _CURRENCIES.get(code.strip().upper())
    if found is None:
        raise MoneyError(f"'{code}' is not a supported ISO 4217 currency code", field=field)
    return found


def decimal_string(minor: int, code: str) -> str:
    """``Money(minor, code).to_decimal_string()`` without making the ``Money``: the amount in
    major units with exactly the currency's decimals (``"199.00"``, ``"-0.05"``, ``"1500"``),
    the same text ``str()`` of the quantized ``Decimal`` gives, in integer arithmetic. API answers
    show every amount this way, an order of ten items sixty times."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise MoneyError("minor units must be an integer", field="amount")
    found = _CURRENCIES.get(code) or currency(code)
    exponent = found.exponent
    if exponent == 0:
        return str(minor)
    whole, part = divmod(-minor if minor < 0 else minor, _SCALES[exponent])
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{exponent}d}"


# 10 ** exponent, for each exponent a currency has.
_SCALES = {exponent: 10**exponent for exponent in set(CURRENCY_EXPONENTS.values())}


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(CURRENCY_EXPONENTS)]


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency. Arithmetic refuses to mix currencies."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise MoneyError("minor units must be an integer", field="amount")
        object.__setattr__(self, "currency", currency(self.currency).code)

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def zero(cls, currency_code: str) -> Money:
        return cls(0, currency_code)

    @classmethod
    def parse(
        cls, value: str | int | Decimal | float, currency_code: str, *, field: str = "amount"
    ) -> Money:
        """Parse a major-unit amount (``"199.00"``, ``199``, ``Decimal("199.00")``, ``199.0``).

        More decimal places than the currency has is an error, never a silent rounding.
        Anything larger than ``maximum_amount`` either side of zero is an error too. The checks
        read the number's magnitude before any arithmetic, so ``1e500000`` or a million digits
        are refused in constant time rather than expanded.
        """
        unit = currency(currency_code)
        amount = _to_decimal(value, field=field)
        if not amount.is_finite():
            raise MoneyError("must be a finite number", field=field)
        # adjusted() is the power of ten of the leading digit: a cheap test that rules out huge
        # exponents before quantize() could be asked to build them.
        if amount.adjusted() > _MAXIMUM_DIGITS:
            raise _out_of_range(unit, field=field)
        try:
            exact = amount.quantize(unit.quantum, context=_EXACT)
        except Inexact:
            places = (
                "no decimal places" if unit.exponent == 0 else f"{unit.exponent} decimal places"
            )
            raise MoneyError(
                f"{unit.code} amounts have {places}; got '{_echo(value)}'", field=field
            ) from None
        minor = int(exact.scaleb(unit.exponent))
        if abs(minor) > MAXIMUM_MINOR_UNITS:
            raise _out_of_range(unit, field=field)
        return cls(minor, unit.code)

    # --- presentation -----------------------------------------------------------------------

    @property
    def unit(self) -> Currency:
        return currency(self.currency)

    def to_decimal(self) -> Decimal:
        unit = self.unit
        return Decimal(self.minor).scaleb(-unit.exponent).quantize(unit.quantum)

    def to_decimal_string(self) -> str:
        """The amount in major units with exactly the currency's decimals: ``"199.00"``."""
        return decimal_string(self.minor, self.currency)

    def format(self) -> str:
        """A human label: ``$1,199.00`` for known symbols, else ``1,199.000 BHD``."""
        amount = self.to_decimal()
        sign = "-" if amount < 0 else ""
        digits = f"{abs(amount):,.{self.unit.exponent}f}"
        symbol = CURRENCY_SYMBOLS.get(self.currency)
        if symbol:
            return f"{sign}{symbol}{digits}"
        return f"{sign}{digits} {self.currency}"

    def __str__(self) -> str:
        return self.format()

    # --- arithmetic -------------------------------------------------------------------------

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(
                f"cannot combine {self.currency} with {other.currency}", field="currency"
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same_currency(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same_currency(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same_currency(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same_currency(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same_currency(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same_currency(other).minor

    @property
    def is_zero(self) -> bool:
        return self.minor == 0

    def percentage(self, percent: Decimal | str | int) -> Money:
        """``percent`` % of this amount, rounded half away from zero to the minor unit."""
        share = Fraction(self.minor) * Fraction(Decimal(percent)) / 100
        return Money(round_half_away(share), self.currency)

    def allocate(self, weights: Sequence[int | Decimal | Fraction]) -> list[Money]:
        return [Money(part, self.currency) for part in allocate(self.minor, weights)]


def maximum_amount(currency_code: str) -> Money:
    """The largest amount ``Money.parse`` accepts in this currency (its negative is the least)."""
    return Money(MAXIMUM_MINOR_UNITS, currency_code)


def _out_of_range(unit: Currency, *, field: str) -> MoneyError:
    limit = Money(MAXIMUM_MINOR_UNITS, unit.code).to_decimal_string()
    return MoneyError(
        f"is out of range: {unit.code} amounts are between -{limit} and {limit}", field=field
    )


def _echo(value: object) -> str:
    text = str(value)
    return text if len(text) <= _ECHO_LIMIT else f"{text[:_ECHO_LIMIT]}…"


def _to_decimal(value: object, *, field: str) -> Decimal:
    if isinstance(value, bool):
        raise MoneyError("must be a number or a decimal string", field=field)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr() gives the shortest text that reads back as this float: what the JSON held.
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not text or text.lower() in {"nan", "inf", "-inf", "infinity", "-infinity", "snan"}:
            raise MoneyError("must be a decimal number such as 199.00", field=field)
        try:
            return Decimal(text)
        except InvalidOperation:
            raise MoneyError(
                f"'{_echo(value)}' is not a decimal number such as 199.00", field=field
            ) from None
    raise MoneyError("must be a number or a decimal string", field=field)


def round_half_away(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (so -x rounds to -round(x))."""
    magnitude = abs(value)
    whole, remainder = divmod(magnitude.numerator, magnitude.denominator)
    rounded = whole + (1 if 2 * remainder >= magnitude.denominator else 0)
    return rounded if value >= 0 else -rounded


def percentage_fee(amount: Money, *, percent: Decimal | str, fixed: Money | None = None) -> Money:
    """A processor-style fee: ``percent`` % of ``amount`` (rounded half up) plus ``fixed``.

    The fee of a zero amount is zero, and a negative amount (a refund) mirrors a positive one.
    """
    if amount.is_zero:
        return Money.zero(amount.currency)
    fee = amount.percentage(percent)
    if fixed is not None:
        fee = fee + (fixed if amount.minor > 0 else -fixed)
    return fee


def allocate(total: int, weights: Sequence[int | Decimal | Fraction]) -> list[int]:
    """Split ``total`` minor units in proportion to ``weights`` by largest remainder.

    Parts sum to ``total`` exactly; each is the floor (towards zero) of its exact share, plus one
    unit for the largest remainders; ties go to the earlier weight. A negative total gives the
    mirror image of the positive split.
    """
    if not weights:
        raise MoneyError("needs at least one share", field="shares")
    ratios = [Fraction(Decimal(w)) if isinstance(w, Decimal) else Fraction(w) for w in weights]
    if any(r < 0 for r in ratios):
        raise MoneyError("shares cannot be negative", field="shares")
    weight_sum = sum(ratios)
    if weight_sum == 0:
        raise MoneyError("shares must not all be zero", field="shares")
    if total < 0:
        return [-part for part in allocate(-total, weights)]
    exact = [Fraction(total) * r / weight_sum for r in ratios]
    parts = [int(share) for share in exact]
    leftover = total - sum(parts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in by_remainder[:leftover]:
        parts[index] += 1
    return parts


def money_table(amounts: Mapping[str, str | int | Decimal], *, name: str) -> dict[str, Money]:
    """A per-currency table of major-unit amounts (a setting such as ``{"USD": "0.50", "JPY":
    "50"}``) read as ``Money``, each checked against its own currency's exponent.

    Every currency Cadence knows must have a row: a table that forgets one is refused here,
    naming it, rather than guessed at when a sale in that currency arrives.
    """
    table = {}
    for code, value in amounts.items():
        field = f"{name}[{code}]"
        unit = currency(code, field=field)
        table[unit.code] = Money.parse(value, unit.code, field=field)
    missing = sorted(set(CURRENCY_EXPONENTS) - set(table))
    if missing:
        raise MoneyError(f"has no amount for {', '.join(missing)}", field=name)
    return table
