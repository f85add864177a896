"""NACHA (ACH) files: PPD credit entries in 94-character records, blocked by ten.

Layout per the NACHA Operating Rules: file header (1), batch header (5), entry details (6),
batch control (8), file control (9), then lines of nines up to a multiple of ten records. The
entry hash is the sum of the receiving banks' 8-digit routing prefixes, last ten digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

RECORD_SIZE = 94
BLOCKING_FACTOR = 10
CHECKING_CREDIT = "22"
SAVINGS_CREDIT = "32"


@dataclass(frozen=True)
class Originator:
    odfi_routing: str  # the originating bank's 9-digit routing number
    company_id: str  # 10 characters, usually "1" + EIN
    company_name: str
    destination_name: str
    origin_name: str


@dataclass(frozen=True)
class Credit:
    routing_number: str
    account_number: str
    account_type: str  # checking | savings
    amount_minor: int
    name: str
    individual_id: str


def _alpha(value: str, width: int) -> str:
    clean = "".join(c if 32 <= ord(c) < 127 else " " for c in value.upper())
    return clean[:width].ljust(width)


def _num(value: int, width: int) -> str:
    text = str(value)
    if value < 0 or len(text) > width:
        raise ValueError(f"{value} does not fit {width} digits")
    return text.zfill(width)


def _record(*fields: str) -> str:
    line = "".join(fields)
    if len(line) != RECORD_SIZE:
        raise AssertionError(f"NACHA record is {len(line)} characters, not 94: {line!r}")
    return line


def nacha_file(
    *,
    originator: Originator,
    credits: list[Credit],
    effective: date,
    created: datetime,
    batch_number: int = 1,
    file_id_modifier: str = "A",
) -> str:
    """Build one file with one PPD credit batch; returns the text, lines joined by newlines."""
    odfi8 = originator.odfi_routing[:8]
    records = [
        _record(
            "1", "01", " " + originator.odfi_routing, _alpha(originator.company_id, 10),
            created.strftime("%y%m%d"), created.strftime("%H%M"), file_id_modifier, "094",
            "10", "1", _alpha(originator.destination_name, 23),
            _alpha(originator.origin_name, 23), _alpha("", 8),
        ),
        _record(
            "5", "220", _alpha(originator.company_name, 16), _alpha("", 20),
            _alpha(originator.company_id, 10), "PPD", _alpha("PAYOUT", 10),
            effective.strftime("%y%m%d"), effective.strftime("%y%m%d"), "   ", "1", odfi8,
            _num(batch_number, 7),
        ),
    ]  # fmt: skip
    entry_hash = 0
    total_credit = 0
    for sequence, credit in enumerate(credits, start=1):
        code = SAVINGS_CREDIT if credit.account_type == "savings" else CHECKING_CREDIT
        entry_hash += int(credit.routing_number[:8])
        total_credit += credit.amount_minor
        records.append(
            _record(
                "6", code, credit.routing_number[:8], credit.routing_number[8],
                _alpha(credit.account_number, 17), _num(credit.amount_minor, 10),
                _alpha(credit.individual_id, 15), _alpha(credit.name, 22), "  ", "0",
                odfi8 + _num(sequence, 7),
            )
        )  # fmt: skip
    hash10 = _num(entry_hash % 10**10, 10)
    records.append(
        _record(
            "8", "220", _num(len(credits), 6), hash10, _num(0, 12), _num(total_credit, 12),
            _alpha(originator.company_id, 10), _alpha("", 19), _alpha("", 6), odfi8,
            _num(batch_number, 7),
        )
    )  # fmt: skip
    blocks = math.ceil((len(records) + 1) / BLOCKING_FACTOR)
    records.append(
        _record(
            "9", _num(1, 6), _num(blocks, 6), _num(len(credits), 8), hash10, _num(0, 12),
            _num(total_credit, 12), _alpha("", 39),
        )
    )  # fmt: skip
    while len(records) % BLOCKING_FACTOR:
        records.append("9" * RECORD_SIZE)
    return "\n".join(records) + "\n"
