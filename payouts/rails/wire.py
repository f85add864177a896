"""Wire: an instruction export for the treasury team, who send it and mark it paid in the admin."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from payouts.crypto import payout_file_encrypt
from payouts.models import Payout, PayoutAccount, PayoutFile
from payouts.rails import RailResult
from payouts.selectors.accounts import payout_account_details


def instructions(*, payout: Payout, account: PayoutAccount) -> str:
    details = payout_account_details(account)
    return "\n".join(
        [
            f"Payout: {payout.public_id}",
            f"Amount: {payout.amount.to_decimal_string()} {payout.currency}",
            f"Beneficiary: {details['beneficiaryName']}",
            f"Bank: {details['bankName']}",
            f"SWIFT/BIC: {details['swift']}",
            f"IBAN: {details['iban']}",
            f"Reference: {payout.idempotency_key}",
        ]
    )


def send(*, payout: Payout, account: PayoutAccount) -> RailResult:
    try:
        with transaction.atomic():
            PayoutFile.objects.create(
                payout=payout,
                kind=PayoutFile.Kind.WIRE_INSTRUCTIONS,
                content_encrypted=payout_file_encrypt(instructions(payout=payout, account=account)),
            )
    except IntegrityError:
        pass
    # Completed only when staff mark the wire as sent (admin, ``payout_complete``).
    return RailResult(completed=False)
