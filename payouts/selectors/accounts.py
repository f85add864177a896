"""Reads about payout accounts and tax info."""

from __future__ import annotations

from payouts.crypto import account_number_decrypt
from payouts.models import ACCOUNT_NUMBER_DETAIL, PayoutAccount, TaxInfo


def payout_account_details(account: PayoutAccount) -> dict:
    """Every detail the account's rail needs, the bank account number decrypted: for the rail
    alone, never to show."""
    details = dict(account.details)
    detail = ACCOUNT_NUMBER_DETAIL.get(account.method)
    if detail and account.account_number_encrypted:
        details[detail] = account_number_decrypt(account.account_number_encrypted)
    return details


def payout_blockers(*, user_id: str) -> list[str]:
    """Why the payee's confirmed money cannot be paid out yet (empty when nothing blocks it)."""
    account = PayoutAccount.objects.filter(user_id=user_id).first()
    tax = TaxInfo.objects.filter(user_id=user_id).first()
    reasons = []
    if account is None:
        reasons.append("You have not set up a payout account.")
    elif account.verified_at is None:
        reasons.append("Your payout account is waiting for verification.")
    if tax is None:
        reasons.append("Your tax information is missing.")
    elif not tax.is_complete:
        reasons.append("Your tax information is incomplete: " + ", ".join(tax.missing()) + ".")
    return reasons
