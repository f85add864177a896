"""PayPal Payouts: one batch per payout, ``sender_batch_id`` = the payout id."""

from __future__ import annotations

import requests
from django.conf import settings

from payouts.models import Payout, PayoutAccount
from payouts.rails import RailError, RailResult


def send(*, payout: Payout, account: PayoutAccount) -> RailResult:
    """Submit the payout batch. PayPal keeps one batch per ``sender_batch_id``, so a repeat of
    this call (after a crash) finds the batch already made rather than paying twice."""
    base = getattr(settings, "PAYPAL_API_BASE", "")
    if not base:
        return RailResult(completed=True, reference=f"ppb_local_{payout.public_id}")
    token = requests.post(
        f"{base}/v1/oauth2/token",
        auth=(getattr(settings, "PAYPAL_CLIENT_ID", ""), getattr(settings, "PAYPAL_SECRET", "")),
        data={"grant_type": "client_credentials"},
        timeout=10,
    )
    token.raise_for_status()
    response = requests.post(
        f"{base}/v1/payments/payouts",
        json={
            "sender_batch_header": {
                "sender_batch_id": payout.public_id,
                "email_subject": "You have a payout from Cadence",
            },
            "items": [
                {
                    "recipient_type": "EMAIL",
                    "amount": {
                        "value": payout.amount.to_decimal_string(),
                        "currency": payout.currency,
                    },
                    "receiver": account.details["email"],
                    "sender_item_id": payout.public_id,
                }
            ],
        },
        headers={
            "Authorization": f"Bearer {token.json()['access_token']}",
            "PayPal-Request-Id": payout.idempotency_key,
        },
        timeout=20,
    )
    if 400 <= response.status_code < 500:
        body = response.json() if response.content else {}
        raise RailError(f"PayPal refused the payout: {body.get('message') or response.text}")
    # 5xx and network errors raise: the task is retried with the same sender_batch_id.
    response.raise_for_status()
    return RailResult(completed=True, reference=response.json()["batch_header"]["payout_batch_id"])
