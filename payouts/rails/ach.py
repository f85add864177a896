"""ACH: the payout becomes a NACHA file, kept with the payout, for the bank's SFTP drop."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from payouts.crypto import payout_file_encrypt
from payouts.models import Payout, PayoutAccount, PayoutFile
from payouts.rails import RailResult
from payouts.rails.nacha import Credit, Originator, nacha_file
from payouts.selectors.accounts import payout_account_details

DEMO_ORIGINATOR = {
    "odfi_routing": "021000021",
    "company_id": "1123456789",
    "company_name": "CADENCE",
    "destination_name": "ORIGINATING BANK",
    "origin_name": "CADENCE LEARNING",
}


def originator() -> Originator:
    return Originator(**{**DEMO_ORIGINATOR, **getattr(settings, "PAYOUTS_ACH_ORIGINATOR", {})})


def send(*, payout: Payout, account: PayoutAccount) -> RailResult:
    """Write the payout's NACHA file once; the file's trace number is the reference.

    Submitting the file is the payout: a later return from the bank is handled as a failure.
    """
    details = payout_account_details(account)
    now = timezone.now()
    content = nacha_file(
        originator=originator(),
        credits=[
            Credit(
                routing_number=details["routingNumber"],
                account_number=details["accountNumber"],
                account_type=details["accountType"],
                amount_minor=payout.amount_minor,
                name=details["accountHolderName"],
                individual_id=payout.public_id[-15:],
            )
        ],
        effective=now.date(),
        created=now,
        batch_number=payout.pk % 10**7,
    )
    try:
        with transaction.atomic():
            PayoutFile.objects.create(
                payout=payout,
                kind=PayoutFile.Kind.NACHA,
                content_encrypted=payout_file_encrypt(content),
            )
    except IntegrityError:
        pass  # written by an earlier delivery of this task: keep the file as first made
    return RailResult(completed=True, reference=f"nacha:{payout.public_id}")
