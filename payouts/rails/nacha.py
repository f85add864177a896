"""NACHA (ACH) files: credit entries in 94-character records, blocked by ten.

Layout per the NACHA Operating Rules: file header (1), then per batch a batch header (5), its
entry details (6) and batch control (8), then the file control (9) and lines of nines up to a
multiple of ten records. One batch per standard entry class: PPD for individuals, CCD for
companies. The entry hash is the sum of the receiving banks' 8-digit routing prefixes, last ten
digits. Text fields are transliterated to upper-case ASCII (``José`` → ``JOSE``), never blanked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from anyascii import anyascii

from payouts.rails.ach_codes import CHANGE_REASONS, RETURN_REASONS

RECORD_SIZE = 94
BLOCKING_FACTOR = 10
CHECKING_CREDIT = "22"
SAVINGS_CREDIT = "32"
PPD = "PPD"  # prearranged payment to a consumer account
CCD = "CCD"  # corporate credit to a business account
# The entry amount field holds ten digits: $99,999,999.99 is the most one entry can carry.
MAX_ENTRY_MINOR = 10**10 - 1
# File ID modifiers tell apart files an originator sends on one day: A-Z, then 0-9.
FILE_ID_MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class NachaError(ValueError):
    """A value that a NACHA record cannot carry."""


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
    trace_number: str  # 15 digits: the ODFI's 8-digit prefix and a sequence unique to it
    entry_class: str = PPD


def ascii_upper(value: str) -> str:
    """The text as a NACHA alphanumeric field holds it: ASCII, upper case, printable."""
    return "".join(c if 32 <= ord(c) < 127 else " " for c in anyascii(value).upper())


def _alpha(value: str, width: int) -> str:
    return ascii_upper(value)[:width].ljust(width)


def _num(value: int, width: int) -> str:
    text = str(value)
    if value < 0 or len(text) > width:
        raise NachaError(f"{value} does not fit {width} digits")
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
    file_id_modifier: str,
) -> str:
    """Build one file, one credit batch per entry class; returns the text, lines joined by
    newlines. Entries keep the trace numbers they are given."""
    if file_id_modifier not in FILE_ID_MODIFIERS or len(file_id_modifier) != 1:
        raise NachaError(f"file ID modifier {file_id_modifier!r} is not one of A-Z, 0-9")
    records = [
        _record(
            "1", "01", " " + originator.odfi_routing, _alpha(originator.company_id, 10),
            created.strftime("%y%m%d"), created.strftime("%H%M"), file_id_modifier, "094",
            "10", "1", _alpha(originator.destination_name, 23),
            _alpha(originator.origin_name, 23), _alpha("", 8),
        ),
    ]  # fmt: skip
    classes = [c for c in (PPD, CCD) if any(credit.entry_class == c for credit in credits)]
    file_hash = file_credit = 0
    for batch_number, entry_class in enumerate(classes, start=1):
        entries = [credit for credit in credits if credit.entry_class == entry_class]
        batch_hash, batch_credit = _batch(
            records,
            originator=originator,
            entries=entries,
            entry_class=entry_class,
            effective=effective,
            batch_number=batch_number,
        )
        file_hash += batch_hash
        file_credit += batch_credit
    blocks = math.ceil((len(records) + 1) / BLOCKING_FACTOR)
    records.append(
        _record(
            "9", _num(len(classes), 6), _num(blocks, 6), _num(len(credits), 8),
            _num(file_hash % 10**10, 10), _num(0, 12), _num(file_credit, 12), _alpha("", 39),
        )
    )  # fmt: skip
    while len(records) % BLOCKING_FACTOR:
        records.append("9" * RECORD_SIZE)
    return "\n".join(records) + "\n"


def _batch(
    records: list[str],
    *,
    originator: Originator,
    entries: list[Credit],
    entry_class: str,
    effective: date,
    batch_number: int,
) -> tuple[int, int]:
    """Append one batch's records; its entry hash and credit total."""
    odfi8 = originator.odfi_routing[:8]
    records.append(
        _record(
            "5", "220", _alpha(originator.company_name, 16), _alpha("", 20),
            _alpha(originator.company_id, 10), entry_class, _alpha("PAYOUT", 10),
            effective.strftime("%y%m%d"), effective.strftime("%y%m%d"),
            # Settlement date: left blank, the ACH operator fills it in.
            "   ", "1", odfi8, _num(batch_number, 7),
        )
    )  # fmt: skip
    entry_hash = total_credit = 0
    for credit in entries:
        code = SAVINGS_CREDIT if credit.account_type == "savings" else CHECKING_CREDIT
        if len(credit.trace_number) != 15 or not credit.trace_number.isdigit():
            raise NachaError(f"trace number {credit.trace_number!r} is not 15 digits")
        entry_hash += int(credit.routing_number[:8])
        total_credit += credit.amount_minor
        records.append(
            _record(
                "6", code, credit.routing_number[:8], credit.routing_number[8],
                _alpha(credit.account_number, 17), _num(credit.amount_minor, 10),
                _alpha(credit.individual_id, 15), _alpha(credit.name, 22), "  ", "0",
                credit.trace_number,
            )
        )  # fmt: skip
    records.append(
        _record(
            "8", "220", _num(len(entries), 6), _num(entry_hash % 10**10, 10), _num(0, 12),
            _num(total_credit, 12), _alpha(originator.company_id, 10), _alpha("", 19),
            _alpha("", 6), odfi8, _num(batch_number, 7),
        )
    )  # fmt: skip
    return entry_hash, total_credit


@dataclass(frozen=True)
class ReturnNotice:
    """One entry of a bank's return or notification-of-change file."""

    code: str  # R01…, C01…
    original_trace: str
    corrected_data: str = ""

    @property
    def is_return(self) -> bool:
        return self.code.startswith("R")

    @property
    def reason(self) -> str:
        known = RETURN_REASONS if self.is_return else CHANGE_REASONS
        return f"{self.code} {known.get(self.code, 'returned by the receiving bank')}"


def read_returns(text: str) -> list[ReturnNotice]:
    """The return (addenda type 99) and change (type 98) notices of a NACHA file, in order.

    Raises ``NachaError`` naming the line when a record is not a NACHA record.
    """
    notices = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line == "9" * RECORD_SIZE:
            continue
        if len(line) != RECORD_SIZE or line[0] not in "156789":
            raise NachaError(f"line {number} is not a 94-character NACHA record")
        if line[0] != "7" or line[1:3] not in ("98", "99"):
            continue
        code, trace = line[3:6], line[6:21]
        if not trace.isdigit():
            raise NachaError(f"line {number}: the original trace number is not 15 digits")
        corrected = line[35:64].rstrip() if line[1:3] == "98" else ""
        notices.append(ReturnNotice(code=code, original_trace=trace, corrected_data=corrected))
    return notices
