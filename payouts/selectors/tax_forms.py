"""1099-NEC data: US payees whose payouts in a tax year reach the threshold in force that year.

Payments are counted when they were made (completed payouts, cash basis), net of refunds
already deducted from them, in USD.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import ExtractYear

from cadence.kernel.money import Money
from payouts.crypto import tin_decrypt
from payouts.models import Payee, Payout, TaxInfo

# First tax year -> threshold (USD). $600 through 2025; $2,000 for payments from 2026.
DEFAULT_THRESHOLDS = {1900: "600.00", 2026: "2000.00"}


def threshold_for(year: int) -> Money:
    """The 1099-NEC reporting threshold in force for payments made in ``year``."""
    table = getattr(settings, "PAYOUTS_1099_THRESHOLDS", DEFAULT_THRESHOLDS)
    first_year = max(start for start in table if start <= year)
    return Money.parse(table[first_year], "USD")


@dataclass(frozen=True)
class Form1099Row:
    user_id: str
    legal_name: str
    business_name: str
    address_line: str
    city: str
    region: str
    postal_code: str
    tin_masked: str
    email: str
    total: Money
    tin_encrypted: str

    def tin(self) -> str:
        """The TIN in clear: only for the filing export."""
        return tin_decrypt(self.tin_encrypted) if self.tin_encrypted else ""


def form_1099_rows(*, year: int, user_id: str | None = None) -> list[Form1099Row]:
    """Payees to report for ``year``, or only ``user_id`` (three queries whatever the number of
    payees)."""
    threshold = threshold_for(year)
    payouts = Payout.objects.filter(
        status=Payout.Status.COMPLETED, currency="USD", completed_at__year=year
    )
    if user_id is not None:
        payouts = payouts.filter(user_id=user_id)
    totals = dict(
        payouts.values("user_id")
        .annotate(total=Sum("amount_minor"))
        .filter(total__gte=threshold.minor)
        .values_list("user_id", "total")
    )
    infos = TaxInfo.objects.filter(user_id__in=totals, form=TaxInfo.Form.W9, country="US")
    emails = dict(Payee.objects.filter(user_id__in=totals).values_list("user_id", "email"))
    return [
        Form1099Row(
            user_id=info.user_id,
            legal_name=info.legal_name,
            business_name=info.business_name,
            address_line=info.address_line,
            city=info.city,
            region=info.region,
            postal_code=info.postal_code,
            tin_masked=info.tin_masked,
            email=emails.get(info.user_id, ""),
            total=Money(totals[info.user_id], "USD"),
            tin_encrypted=info.tin_encrypted,
        )
        for info in sorted(infos, key=lambda i: i.user_id)
    ]


def form_1099_for(*, year: int, user_id: str) -> Form1099Row | None:
    return next(iter(form_1099_rows(year=year, user_id=user_id)), None)


def _yearly_totals(user_id: str | None = None) -> list[tuple[int, str, int]]:
    """(year, payee, total minor) of completed USD payouts: one grouped query."""
    payouts = Payout.objects.filter(status=Payout.Status.COMPLETED, currency="USD")
    if user_id is not None:
        payouts = payouts.filter(user_id=user_id)
    return list(
        payouts.annotate(year=ExtractYear("completed_at"))
        .values("year", "user_id")
        .annotate(total=Sum("amount_minor"))
        .order_by()
        .values_list("year", "user_id", "total")
    )


def _reportable_years(totals: list[tuple[int, str, int]]) -> list[int]:
    """The years, newest first, in which some payee of ``totals`` has a 1099-NEC (the same rule
    as ``form_1099_rows``: the year's threshold reached, and a US W-9 on file)."""
    over = [(year, user) for year, user, total in totals if total >= threshold_for(year).minor]
    reportable = set(
        TaxInfo.objects.filter(
            user_id__in={user for _year, user in over}, form=TaxInfo.Form.W9, country="US"
        ).values_list("user_id", flat=True)
    )
    return sorted({year for year, user in over if user in reportable}, reverse=True)


def form_1099_years_for(*, user_id: str) -> list[int]:
    """The tax years, newest first, for which the payee has a 1099-NEC (two queries)."""
    return _reportable_years(_yearly_totals(user_id))


def form_1099_filing_years() -> list[int]:
    """The tax years, newest first, with at least one 1099-NEC to file (two queries)."""
    return _reportable_years(_yearly_totals())
