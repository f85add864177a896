"""Stripe Connect transfers to the payee's connected account."""

from __future__ import annotations

import stripe
from django.conf import settings

from payouts.models import Payout, PayoutAccount
from payouts.rails import RailError, RailResult


def _client() -> stripe.StripeClient | None:
    base = settings.STRIPE_API_BASE
    if not (settings.STRIPE_SECRET_KEY or base):
        return None
    options = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY or "sk_test_cadence_local", max_network_retries=2, **options
    )


def send(*, payout: Payout, account: PayoutAccount) -> RailResult:
    """Create the transfer; Stripe returns the same transfer for a repeated idempotency key."""
    client = _client()
    if client is None:
        # Embedded mode without a Stripe account: a local stand-in, like commerce's test processor.
        return RailResult(completed=True, reference=f"tr_local_{payout.public_id}")
    try:
        transfer = client.v1.transfers.create(
            params={
                "amount": payout.amount_minor,
                "currency": payout.currency.lower(),
                "destination": account.details["stripeAccountId"],
                "transfer_group": payout.public_id,
                "metadata": {"payout_id": payout.public_id},
            },
            options={"idempotency_key": payout.idempotency_key},
        )
    except (stripe.InvalidRequestError, stripe.PermissionError) as error:
        raise RailError(f"Stripe refused the transfer: {error.user_message or error}") from error
    return RailResult(completed=True, reference=transfer.id)
