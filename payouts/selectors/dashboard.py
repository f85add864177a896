"""What a creator or instructor sees on their earnings pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from cadence.kernel.money import Money
from payouts.models import EarnedRevenue, Payout

LIVE = [
    EarnedRevenue.Status.PENDING,
    EarnedRevenue.Status.HELD,
    EarnedRevenue.Status.CONFIRMED,
    EarnedRevenue.Status.PAID,
]


@dataclass(frozen=True)
class StateTotal:
    status: str
    label: str
    amount: Money
    rows: int


@dataclass(frozen=True)
class Bar:
    month: date
    amount: Money
    x: int
    y: int
    width: int
    height: int


CHART_HEIGHT = 160
CHART_BAR = 36


def earnings_totals(*, user_id: str) -> dict[str, list[StateTotal]]:
    """Totals per currency and state (one aggregate query)."""
    labels = dict(EarnedRevenue.Status.choices)
    totals: dict[str, list[StateTotal]] = {}
    grouped = (
        EarnedRevenue.objects.filter(user_id=user_id)
        .values("currency", "status")
        .annotate(total=Sum("amount_minor"), rows=Count("id"))
        .order_by("currency", "status")
    )
    for row in grouped:
        totals.setdefault(row["currency"], []).append(
            StateTotal(
                status=row["status"],
                label=labels[row["status"]],
                amount=Money(row["total"], row["currency"]),
                rows=row["rows"],
            )
        )
    return totals


def earnings_chart(*, user_id: str) -> dict[str, list[Bar]]:
    """Earnings per month (pending to paid, net of refunds) as bar geometry per currency."""
    grouped = (
        EarnedRevenue.objects.filter(user_id=user_id, status__in=LIVE)
        .annotate(month=TruncMonth("created_at"))
        .values("currency", "month")
        .annotate(total=Sum("amount_minor"))
        .order_by("currency", "month")
    )
    per_currency: dict[str, list[tuple[date, int]]] = {}
    for row in grouped:
        per_currency.setdefault(row["currency"], []).append((row["month"], row["total"]))
    charts = {}
    for code, months in per_currency.items():
        months = months[-12:]
        peak = max((abs(total) for _, total in months), default=0) or 1
        bars = []
        for index, (month, total) in enumerate(months):
            height = max(1, CHART_HEIGHT * max(total, 0) // peak) if total > 0 else 1
            bars.append(
                Bar(
                    month=month,
                    amount=Money(total, code),
                    x=10 + index * (CHART_BAR + 8),
                    y=10 + CHART_HEIGHT - height,
                    width=CHART_BAR,
                    height=height,
                )
            )
        charts[code] = bars
    return charts


def statement_rows(*, user_id: str):
    """The payee's earned revenue per sale, with the sale and payout joined (fixed queries)."""
    return (
        EarnedRevenue.objects.filter(user_id=user_id)
        .select_related("sale", "payout")
        .order_by("-id")
    )


def payout_history(*, user_id: str):
    return Payout.objects.filter(user_id=user_id).order_by("-id")
