"""ACH: the payout is an entry in its batch's NACHA file, kept for the bank's SFTP drop."""

from __future__ import annotations

from payouts.models import Payout, PayoutAccount
from payouts.rails import RailError, RailResult


def send(*, payout: Payout, account: PayoutAccount) -> RailResult:
    """The payout's entry in its batch's file (written by the first payout that asks); its trace
    number is the reference a bank's return will name.

    Submitting the file is the payout: a later return from the bank fails it then.
    """
    from payouts.services.ach_files import AchRefused, nacha_entry_for

    try:
        entry = nacha_entry_for(payout=payout)
    except AchRefused as refusal:
        raise RailError(refusal.message) from refusal
    return RailResult(completed=True, reference=entry.trace_number)
