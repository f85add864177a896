"""Outbound payout rails. Each sends one payout with an idempotency key made from its id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from payouts.models import Payout, PayoutAccount, PayoutMethod


class RailError(Exception):
    """The rail refused the payout for good (bad destination, closed account …)."""


@dataclass(frozen=True)
class RailResult:
    completed: bool
    reference: str = ""


class Rail(Protocol):
    def send(self, *, payout: Payout, account: PayoutAccount) -> RailResult: ...


def rail_for(method: str) -> Rail:
    from payouts.rails import ach, paypal, stripe_connect, wire

    rails = {
        PayoutMethod.STRIPE_CONNECT: stripe_connect,
        PayoutMethod.PAYPAL: paypal,
        PayoutMethod.ACH: ach,
        PayoutMethod.WIRE: wire,
    }
    return rails[method]
