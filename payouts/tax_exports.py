"""1099 outputs: the CSV for filing (TINs in clear) and a PDF statement per payee (masked)."""

from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string

from payouts.selectors.tax_forms import Form1099Row, threshold_for

CSV_COLUMNS = [
    "tax_year", "payee_id", "recipient_name", "business_name", "tin", "address", "city",
    "state", "postal_code", "email", "nonemployee_compensation",
]  # fmt: skip


def form_1099_csv(*, year: int, rows: list[Form1099Row], tin_in_clear: bool = True) -> str:
    """The rows as CSV: for filing with the TIN in clear, or (``tin_in_clear=False``) the
    payee's own copy with the TIN masked, as on their PDF statement."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            year, row.user_id, row.legal_name, row.business_name,
            row.tin() if tin_in_clear else row.tin_masked, row.address_line,
            row.city, row.region, row.postal_code, row.email, row.total.to_decimal_string(),
        ])  # fmt: skip
    return out.getvalue()


def form_1099_pdf(*, year: int, row: Form1099Row) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "payouts/form_1099_statement.html",
        {"year": year, "row": row, "threshold": threshold_for(year)},
    )
    return HTML(string=html).write_pdf()
