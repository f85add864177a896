"""Reads about payout accounts and tax info."""

from __future__ import annotations

from payouts.crypto import account_number_decrypt
from payouts.models import ACCOUNT_NUMBER_DETAIL, EarnedRevenue, PayoutAccount, PayoutFile, TaxInfo
from payouts.rails.capabilities import currency_refusal

# Where a payout file holds the account number: a NACHA entry detail record's DFI account number
# (positions 13-29), the wire instructions' IBAN line.
NACHA_ENTRY_ACCOUNT = slice(12, 29)
WIRE_IBAN_LINE = "IBAN: "


def payout_file_masked(payout_file: PayoutFile) -> str:
    """The payout file as pages show it: every account number reduced to its last four."""
    lines = payout_file.content.split("\n")
    for number, line in enumerate(lines):
        if payout_file.kind == PayoutFile.Kind.NACHA and line.startswith("6"):
            field = line[NACHA_ENTRY_ACCOUNT]
            masked = _last_four(field.rstrip()).ljust(len(field))
            lines[number] = (
                line[: NACHA_ENTRY_ACCOUNT.start] + masked + line[NACHA_ENTRY_ACCOUNT.stop :]
            )
        elif payout_file.kind == PayoutFile.Kind.WIRE_INSTRUCTIONS and line.startswith(
            WIRE_IBAN_LINE
        ):
            lines[number] = WIRE_IBAN_LINE + _last_four(line.removeprefix(WIRE_IBAN_LINE))
    return "\n".join(lines)


def _last_four(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


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
