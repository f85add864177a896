"""The payee's statement: each of their shares with the course's name, the sale's date and
every amount in the sale's currency, filtered by period and status, on the page and as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from cadence.kernel.csv_files import csv_document
from cadence.kernel.money import Money
from payouts.models import CourseName, EarnedRevenue


@dataclass(frozen=True)
class StatementLine:
    public_id: str
    course: str
    sold_on: date | None
    role: str
    kind: str
    gross: Money | None
    tax: Money | None
    fee: Money | None
    split: str
    amount: Money
    status: str
    status_label: str
    hold_until: date | None
    payout_id: str


def _percent(basis_points: int | None) -> str:
    if basis_points is None:
        return "—"
    value = (Decimal(basis_points) / 100).normalize()
    return f"{value:f}%"


def _money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None or not currency else Money(minor, currency)


def statement_rows(
    *,
    user_id: str,
    since: date | None = None,
    until: date | None = None,
    status: str = "",
) -> QuerySet[EarnedRevenue]:
    """The payee's earned revenue, newest first, with the sale, the payout and the course's
    name (one query). ``since``/``until`` bound the sale's date (inclusive days, UTC)."""
    rows = (
        EarnedRevenue.objects.filter(user_id=user_id)
        .select_related("sale", "payout")
        .annotate(
            course_title=Subquery(
                CourseName.objects.filter(course_id=OuterRef("sale__course_id")).values("title")[:1]
            )
        )
        .order_by("-sale__paid_at", "-id")
    )
    if since:
        rows = rows.filter(sale__paid_at__gte=datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
        rows = rows.filter(sale__paid_at__lt=end)
    if status:
        rows = rows.filter(status=status)
    return rows


def statement_line(row: EarnedRevenue) -> StatementLine:
    sale = row.sale
    currency = sale.currency or row.currency
    return StatementLine(
        public_id=row.public_id,
        course=row.course_title or "A course no longer listed",
        sold_on=sale.paid_at.date() if sale.paid_at else None,
        role=row.get_role_display(),
        kind="" if row.kind == EarnedRevenue.Kind.SHARE else row.get_kind_display(),
        gross=_money(sale.gross_minor, currency),
        tax=_money(sale.tax_minor, currency),
        fee=_money(sale.processor_fee_minor, currency),
        split=" / ".join(
            _percent(bp)
            for bp in (
                sale.content_creator_share_bp,
                sale.instructor_pool_share_bp,
                sale.platform_share_bp,
            )
        ),
        amount=Money(row.amount_minor, row.currency),
        status=row.status,
        status_label=row.get_status_display(),
        hold_until=row.hold_until.date() if row.hold_until else None,
        payout_id=row.payout.public_id if row.payout else "",
    )


CSV_HEADER = [
    "Sale date",
    "Course",
    "Role",
    "Entry",
    "Currency",
    "Sale price paid",
    "Tax",
    "Processing fee",
    "Split (creator / instructors / platform)",
    "Your share",
    "Status",
    "Held until",
    "Payout",
]


def statement_csv(rows) -> str:
    """The statement as CSV: decimal amounts in the sale's currency, with the currency named;
    every cell spreadsheet-safe (a course titled ``=HYPERLINK(…)`` stays text)."""

    def decimal(value: Money | None) -> Decimal | str:
        # A number, not text: a refund's "-5.00" is an amount, never taken for a formula.
        return Decimal(value.to_decimal_string()) if value is not None else ""

    lines = (statement_line(row) for row in rows)
    return csv_document(
        header=CSV_HEADER,
        rows=(
            [
                line.sold_on.isoformat() if line.sold_on else "",
                line.course,
                line.role,
                line.kind or "Share of a sale",
                line.amount.currency,
                decimal(line.gross),
                decimal(line.tax),
                decimal(line.fee),
                line.split,
                decimal(line.amount),
                line.status_label,
                line.hold_until.isoformat() if line.hold_until else "",
                line.payout_id,
            ]
            for line in lines
        ),
    )
