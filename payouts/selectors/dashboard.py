"""What a creator or instructor sees on their earnings pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from cadence.kernel.money import Money
from payouts.models import EarnedRevenue, Payout, PayoutAccount

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
    label_y: int

    @property
    def label_x(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class Tick:
    amount: Money
    y: int


@dataclass(frozen=True)
class Chart:
    """A bar chart of earnings per month, with its axes, and the rows of the table beside it."""

    currency: str
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    axis_x: int
    axis_y: int


CHART_HEIGHT = 160
CHART_BAR = 40
CHART_GAP = 12
CHART_LEFT = 72  # room for the amounts on the vertical axis
CHART_TOP = 24  # room for the value above the tallest bar
CHART_BOTTOM = 28  # room for the months under the axis


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


def _round_up(value: int) -> int:
    """A tidy top for the axis: 1, 2 or 5 times a power of ten, at least ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def earnings_chart(*, user_id: str) -> dict[str, Chart]:
    """Earnings per month (pending to paid, net of refunds), the last 12 months with any, as a
    bar chart per currency with a labelled vertical axis (one query)."""
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
    axis_y = CHART_TOP + CHART_HEIGHT
    for code, months in per_currency.items():
        months = months[-12:]
        top = _round_up(max((max(total, 0) for _, total in months), default=0) or 1)
        bars = []
        for index, (month, total) in enumerate(months):
            height = max(1, CHART_HEIGHT * total // top) if total > 0 else 1
            y = axis_y - height
            bars.append(
                Bar(
                    month=month,
                    amount=Money(total, code),
                    x=CHART_LEFT + CHART_GAP + index * (CHART_BAR + CHART_GAP),
                    y=y,
                    width=CHART_BAR,
                    height=height,
                    label_y=y - 6,
                )
            )
        ticks = [
            Tick(amount=Money(top * step // 4, code), y=axis_y - CHART_HEIGHT * step // 4)
            for step in range(5)
        ]
        charts[code] = Chart(
            currency=code,
            bars=bars,
            ticks=ticks,
            width=CHART_LEFT + CHART_GAP + max(len(bars), 3) * (CHART_BAR + CHART_GAP),
            height=axis_y + CHART_BOTTOM,
            axis_x=CHART_LEFT,
            axis_y=axis_y,
        )
    return charts


def earns(*, user_id: str) -> bool:
    """Whether the person has anything on the earnings pages: a share of a sale, a payout
    account or a payout (one or two queries)."""
    return (
        EarnedRevenue.objects.filter(user_id=user_id).exists()
        or PayoutAccount.objects.filter(user_id=user_id).exists()
    )


def payout_history(*, user_id: str):
    return Payout.objects.filter(user_id=user_id).order_by("-id")
