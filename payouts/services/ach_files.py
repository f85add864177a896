"""ACH: one NACHA file per payout batch, bank returns and notifications of change read back.

Each ACH payout's send asks for its entry; the first to ask writes the batch's file with every
ACH payout of the batch that ACH can carry (the batch row is locked while it does, so the file is
written once), and each payout's reference is its entry's trace number. Trace numbers come from a
sequence per ODFI (locked while numbers are taken), so they are unique and ascending across
files, and the file ID modifier is the next unused one of that ODFI's day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payouts.crypto import account_number_encrypt, payout_file_encrypt
from payouts.errors import PayoutsError
from payouts.models import (
    AchNotificationOfChange,
    AchTraceSequence,
    NachaEntry,
    NachaFile,
    Payout,
    PayoutAccount,
    PayoutBatch,
    PayoutMethod,
    TaxInfo,
)
from payouts.rails.capabilities import rail_refusal
from payouts.rails.nacha import (
    CCD,
    FILE_ID_MODIFIERS,
    PPD,
    Credit,
    NachaError,
    Originator,
    nacha_file,
    read_returns,
)
from payouts.selectors.accounts import payout_account_details

# The Federal Reserve's clock: ACH dates are New York banking days.
FED_TIMEZONE = ZoneInfo("America/New_York")
TRACE_SEQUENCE_LIMIT = 9_999_999  # seven digits; the sequence starts again at 1 after it

DEMO_ORIGINATOR = {
    "odfi_routing": "021000021",
    "company_id": "1123456789",
    "company_name": "CADENCE",
    "destination_name": "ORIGINATING BANK",
    "origin_name": "CADENCE LEARNING",
}


class AchRefused(PayoutsError):
    """ACH cannot carry this payout; the reason says why."""


def originator() -> Originator:
    return Originator(**{**DEMO_ORIGINATOR, **getattr(settings, "PAYOUTS_ACH_ORIGINATOR", {})})


def next_banking_day(after: date) -> date:
    """The first day after ``after`` that is neither a weekend nor a Federal Reserve holiday."""
    day = after + timedelta(days=1)
    fed = holidays.financial_holidays("XFED", years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in fed:
        day += timedelta(days=1)
    return day


def payee_is_company(info: TaxInfo | None) -> bool:
    """A W-9 classified as anything but an individual or sole proprietor is a company (CCD)."""
    if info is None or info.form != TaxInfo.Form.W9:
        return False
    classification = info.tax_classification.strip().lower()
    return bool(classification) and not any(
        word in classification for word in ("individual", "sole proprietor")
    )


def nacha_entry_for(*, payout: Payout, now: datetime | None = None) -> NachaEntry:
    """The payout's entry in its batch's NACHA file, writing that file first if it is not yet.

    Raises ``AchRefused`` when ACH cannot carry the payout (currency, limit, or a file already
    written for the batch without it).
    """
    entry = NachaEntry.objects.filter(payout_id=payout.pk).first()
    if entry is not None:
        return entry
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().get(pk=payout.batch_id)
        entry = NachaEntry.objects.filter(payout_id=payout.pk).first()
        if entry is not None:
            return entry
        refusal = rail_refusal(
            method=PayoutMethod.ACH, currency=payout.currency, amount_minor=payout.amount_minor
        )
        if refusal:
            raise AchRefused(refusal, field="amount")
        origin = originator()
        if NachaFile.objects.filter(batch=batch, odfi_routing=origin.odfi_routing).exists():
            raise AchRefused(
                f"the NACHA file of batch {batch.public_id} was written without this payout",
                field="batch",
            )
        try:
            _write_batch_file(batch=batch, origin=origin, now=now or timezone.now())
        except NachaError as error:
            # A value no NACHA record can carry: refused with the reason, never retried forever.
            raise AchRefused(f"the NACHA file cannot be written: {error}", field="batch") from error
        return NachaEntry.objects.get(payout_id=payout.pk)


def _write_batch_file(*, batch: PayoutBatch, origin: Originator, now: datetime) -> NachaFile:
    payouts = [
        p
        for p in Payout.objects.filter(
            batch=batch,
            method=PayoutMethod.ACH,
            status__in=[Payout.Status.PENDING, Payout.Status.PROCESSING],
            nacha_entry__isnull=True,
        ).order_by("id")
        if not rail_refusal(method=p.method, currency=p.currency, amount_minor=p.amount_minor)
    ]
    accounts = PayoutAccount.objects.in_bulk([p.account_id for p in payouts])
    tax_infos = {
        info.user_id: info
        for info in TaxInfo.objects.filter(user_id__in=[p.user_id for p in payouts])
    }
    created = now.astimezone(FED_TIMEZONE)
    sequence, _ = AchTraceSequence.objects.select_for_update().get_or_create(
        odfi_routing=origin.odfi_routing
    )
    used_today = NachaFile.objects.filter(
        odfi_routing=origin.odfi_routing, created_on=created.date()
    ).count()
    if used_today >= len(FILE_ID_MODIFIERS):
        raise AchRefused(
            f"{len(FILE_ID_MODIFIERS)} NACHA files were already written today for ODFI "
            f"{origin.odfi_routing}; the payout goes in tomorrow's",
            field="batch",
        )
    credits: list[Credit] = []
    for payout in payouts:
        sequence.last_sequence = sequence.last_sequence % TRACE_SEQUENCE_LIMIT + 1
        details = payout_account_details(accounts[payout.account_id])
        credits.append(
            Credit(
                routing_number=details["routingNumber"],
                account_number=details["accountNumber"],
                account_type=details["accountType"],
                amount_minor=payout.amount_minor,
                name=details["accountHolderName"],
                individual_id=payout.public_id[-15:],
                trace_number=f"{origin.odfi_routing[:8]}{sequence.last_sequence:07d}",
                entry_class=CCD if payee_is_company(tax_infos.get(payout.user_id)) else PPD,
            )
        )
    sequence.save()
    effective = next_banking_day(created.date())
    ach_file = NachaFile.objects.create(
        batch=batch,
        odfi_routing=origin.odfi_routing,
        created_on=created.date(),
        file_id_modifier=FILE_ID_MODIFIERS[used_today],
        effective_date=effective,
        content_encrypted=payout_file_encrypt(
            nacha_file(
                originator=origin,
                credits=credits,
                effective=effective,
                created=created,
                file_id_modifier=FILE_ID_MODIFIERS[used_today],
            )
        ),
    )
    NachaEntry.objects.bulk_create(
        NachaEntry(
            file=ach_file,
            payout=payout,
            odfi_routing=origin.odfi_routing,
            trace_number=credit.trace_number,
            entry_class=credit.entry_class,
        )
        for payout, credit in zip(payouts, credits, strict=True)
    )
    return ach_file


@dataclass
class ReturnsImport:
    returned: list[str] = field(default_factory=list)  # payout ids sent back by the bank
    changes: list[str] = field(default_factory=list)  # trace numbers with a notice of change
    unmatched: list[str] = field(default_factory=list)  # trace numbers we never sent


def nacha_returns_import(*, content: str, now: datetime | None = None) -> ReturnsImport:
    """Read a bank's return / notification-of-change file; safe to import twice.

    A return (R-code) fails its payout with the reason: its rows go back to the next cycle, the
    payee is told and their account needs their attention. A notice of change (C-code) is kept
    for staff to confirm before the account is updated.
    """
    from payouts.services.batches import payout_return

    result = ReturnsImport()
    notices = read_returns(content)
    # One read for the whole file, however many entries the bank sent back.
    entries = {
        entry.trace_number: entry
        for entry in NachaEntry.objects.select_related("payout").filter(
            trace_number__in={notice.original_trace for notice in notices}
        )
    }
    for notice in notices:
        entry = entries.get(notice.original_trace)
        if entry is None:
            result.unmatched.append(notice.original_trace)
            continue
        if notice.is_return:
            with transaction.atomic():
                NachaEntry.objects.filter(pk=entry.pk, return_code="").update(
                    return_code=notice.code, returned_at=now or timezone.now()
                )
                payout_return(payout_id=entry.payout_id, reason=notice.reason, now=now)
            result.returned.append(entry.payout.public_id)
        else:
            AchNotificationOfChange.objects.get_or_create(
                entry=entry, change_code=notice.code, corrected_data=notice.corrected_data
            )
            result.changes.append(entry.trace_number)
    return result


@transaction.atomic
def ach_change_apply(*, change_id: int, applied_by: str, now: datetime | None = None) -> None:
    """Staff confirmed a notice of change: the payee's ACH details take the bank's correction."""
    change = AchNotificationOfChange.objects.select_for_update().get(pk=change_id)
    if change.applied_at is not None:
        return
    account = PayoutAccount.objects.select_for_update().get(pk=change.entry.payout.account_id)
    details = payout_account_details(account)
    # Corrected data positions as the NACHA rules lay them out for each change code.
    data = change.corrected_data.ljust(29)
    if change.change_code == "C01":
        details["accountNumber"] = data[:17].strip()
    elif change.change_code == "C02":
        details["routingNumber"] = data[:9]
    elif change.change_code == "C03":
        details["routingNumber"], details["accountNumber"] = data[:9], data[12:29].strip()
    elif change.change_code == "C05":
        details["accountType"] = _account_type(data[:2])
    elif change.change_code == "C06":
        details["accountNumber"] = data[:17].strip()
        details["accountType"] = _account_type(data[20:22])
    else:
        raise PayoutsError(
            f"change code {change.change_code} is applied by the payee, not automatically",
            field="changeCode",
        )
    # The bank's own correction: the account stays verified, its number encrypted as always.
    number = details.pop("accountNumber")
    account.details = details
    account.account_number_encrypted = account_number_encrypt(number)
    account.account_number_last4 = number[-4:]
    account.save()
    change.applied_at = now or timezone.now()
    change.applied_by = applied_by
    change.save()


def _account_type(transaction_code: str) -> str:
    return "savings" if transaction_code.startswith("3") else "checking"
