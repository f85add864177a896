"""Reads about payout accounts and tax info."""

from __future__ import annotations

from payouts.models import EarnedRevenue, PayoutAccount, TaxInfo
from payouts.rails.capabilities import currency_refusal


def payout_blockers(*, user_id: str) -> list[str]:
    """Why the payee's confirmed money cannot be paid out yet (empty when nothing blocks it)."""
    account = PayoutAccount.objects.filter(user_id=user_id).first()
    tax = TaxInfo.objects.filter(user_id=user_id).first()
    reasons = []
    if account is None:
        reasons.append("You have not set up a payout account.")
    elif account.attention_reason:
        reasons.append(
            f"Your payout account needs your attention ({account.attention_reason}): "
            "check its details, then it is verified again."
        )
    elif account.verified_at is None:
        reasons.append("Your payout account is waiting for verification.")
    if account is not None:
        confirmed = (
            EarnedRevenue.objects.payable()
            .filter(user_id=user_id, payout__isnull=True)
            .values_list("currency", flat=True)
            .distinct()
        )
        for currency in sorted(set(confirmed)):
            refusal = currency_refusal(method=account.method, currency=currency)
            if refusal:
                reasons.append(f"Your {currency} earnings cannot be paid: {refusal}.")
    if tax is None:
        reasons.append("Your tax information is missing.")
    elif not tax.is_complete:
        reasons.append("Your tax information is incomplete: " + ", ".join(tax.missing()) + ".")
    return reasons
