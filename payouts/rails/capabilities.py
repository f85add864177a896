"""What each payout rail can carry: its currencies and the most one payout may be.

Money is never converted or relabelled to fit a rail: a balance in a currency the payee's method
cannot carry stays where it is, with the reason, and a payout over a rail's limit fails before
anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from cadence.kernel.money import Money
from payouts.models import PayoutMethod

# PayPal Payouts' supported currencies (PayPal REST API currency codes).
PAYPAL_CURRENCIES = frozenset(
    [
        "AUD",
        "BRL",
        "CAD",
        "CNY",
        "CZK",
        "DKK",
        "EUR",
        "HKD",
        "HUF",
        "ILS",
        "JPY",
        "MYR",
        "MXN",
        "NOK",
        "NZD",
        "PHP",
        "PLN",
        "GBP",
        "SGD",
        "SEK",
        "CHF",
        "TWD",
        "THB",
        "USD",
    ]
)
# Stripe amounts hold at most eight digits.
STRIPE_MAX_MINOR = 99_999_999
# A NACHA entry's amount field holds ten digits: $99,999,999.99.
ACH_MAX_MINOR = 9_999_999_999


@dataclass(frozen=True)
class RailCapability:
    name: str
    currencies: frozenset[str] | None  # None: any currency (wire)
    maximums: dict[str, int]  # currency -> the most one payout may be, in minor units


def capability(method: str) -> RailCapability:
    if method == PayoutMethod.ACH:
        return RailCapability("ACH", frozenset({"USD"}), {"USD": ACH_MAX_MINOR})
    if method == PayoutMethod.STRIPE_CONNECT:
        currencies = frozenset(getattr(settings, "PAYOUTS_STRIPE_CURRENCIES", ["USD"]))
        return RailCapability(
            "Stripe Connect", currencies, dict.fromkeys(currencies, STRIPE_MAX_MINOR)
        )
    if method == PayoutMethod.PAYPAL:
        limits = getattr(settings, "PAYOUTS_PAYPAL_MAX_ITEM", {"USD": "20000.00"})
        return RailCapability(
            "PayPal Payouts",
            PAYPAL_CURRENCIES,
            {code: Money.parse(value, code).minor for code, value in limits.items()},
        )
    return RailCapability("Wire", None, {})


def currency_refusal(*, method: str, currency: str) -> str:
    """Why the rail cannot carry this currency at all, or an empty string."""
    rail = capability(method)
    if rail.currencies is None or currency in rail.currencies:
        return ""
    carried = ", ".join(sorted(rail.currencies))
    return (
        f"{rail.name} pays in {carried} only; a {currency} balance waits for a payout method "
        f"that carries {currency}"
    )


def rail_refusal(*, method: str, currency: str, amount_minor: int) -> str:
    """Why the rail cannot send this payout, or an empty string."""
    refusal = currency_refusal(method=method, currency=currency)
    if refusal:
        return refusal
    rail = capability(method)
    maximum = rail.maximums.get(currency)
    if maximum is not None and amount_minor > maximum:
        return (
            f"{Money(amount_minor, currency).format()} is over {rail.name}'s limit of "
            f"{Money(maximum, currency).format()} for one payout"
        )
    return ""
