"""CSV files that spreadsheets open as data, never as formulas.

Excel, LibreOffice and Google Sheets run a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) as a formula: ``=HYPERLINK(…)`` sends the sheet's
contents elsewhere, ``+cmd|…`` runs a command. Following OWASP's rule for CSV injection, such a
text cell is written with a leading apostrophe, which spreadsheets read as "this is text" and
show without it. Numbers the code itself writes (``int``, ``Decimal``) are left as numbers.

Every CSV the project writes goes through ``csv_document``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> int | Decimal | str:
    """``value`` as written into a cell: text that would start a formula gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_document(*, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file (RFC 4180 quoting, ``\\r\\n`` line ends) whose every cell is a spreadsheet-safe
    ``spreadsheet_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_cell(name) for name in header])
    writer.writerows([spreadsheet_cell(value) for value in row] for row in rows)
    return out.getvalue()
