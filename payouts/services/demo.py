"""Demo payees and the demo's payout run, for the embedded mode (``manage.py seed_demo``).

The demo's sales reach payouts as any sale does, through the connectors; this module only sets
up the payees' accounts and runs the payout batch when something is due.
"""

from __future__ import annotations

from django.utils import timezone

from payouts.data import DemoPayoutRun
from payouts.models import PayoutAccount, TaxInfo
from payouts.services import accounts
from payouts.services.batches import payable_revenue_exists, payout_batch_run


def seed_demo_payees(*, user_ids: list[str]) -> None:
    """A verified Stripe Connect account and a complete W-9 for each payee (once)."""
    for user_id in user_ids:
        if not PayoutAccount.objects.filter(user_id=user_id).exists():
            accounts.payout_account_save(
                user_id=user_id,
                method="stripe-connect",
                details={"stripeAccountId": "acct_demo123"},
            )
            accounts.payout_account_verify(user_id=user_id, verified_by="demo")
        if not TaxInfo.objects.filter(user_id=user_id).exists():
            accounts.tax_info_save(
                user_id=user_id, form="w9", tin="123-45-6789", certify=True,
                legal_name="Demo Payee", country="US", address_line="1 Demo Way",
                city="Springfield", postal_code="12345", signature_name="Demo Payee",
            )  # fmt: skip


def seed_demo_payout_run() -> DemoPayoutRun | None:
    """Run a payout batch if it would gather anything (confirmed revenue past its hold period, of
    a payable payee); None when nothing is due (so running the demo again makes no empty
    batches)."""
    if not payable_revenue_exists(now=timezone.now()):
        return None
    batch = payout_batch_run()
    return DemoPayoutRun(
        batch_id=batch.public_id, payout_count=batch.payout_count, row_count=batch.row_count
    )
