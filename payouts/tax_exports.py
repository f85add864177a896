"""1099 outputs: the CSV for filing (TINs in clear) and a PDF statement per payee (masked)."""

from __future__ import annotations

from django.template.loader import render_to_string

from cadence.kernel.csv_files import csv_document
from payouts.selectors.tax_forms import Form1099Row, threshold_for

CSV_COLUMNS = [
    "tax_year", "payee_id", "recipient_name", "business_name", "tin", "address", "city",
    "state", "postal_code", "email", "nonemployee_compensation",
]  # fmt: skip


def form_1099_csv(*, year: int, rows: list[Form1099Row], tin_in_clear: bool = True) -> str:
    """The rows as CSV: for filing with the TIN in clear, or (``tin_in_clear=False``) the
    payee's own copy with the TIN masked, as on their PDF statement. Payees type their names and
    addresses, so every cell is written spreadsheet-safe (``csv_document``): a name such as
    ``=HYPERLINK(…)`` is text, never a formula run on the sheet that holds every payee's TIN."""
    return csv_document(
        header=CSV_COLUMNS,
        rows=(
            [
                year, row.user_id, row.legal_name, row.business_name,
                row.tin() if tin_in_clear else row.tin_masked, row.address_line,
                row.city, row.region, row.postal_code, row.email, row.total.to_decimal(),
            ]
            for row in rows
        ),
    )  # fmt: skip


def form_1099_pdf(*, year: int, row: Form1099Row) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "payouts/form_1099_statement.html",
        {"year": year, "row": row, "threshold": threshold_for(year)},
    )
    return HTML(string=html).write_pdf()
