"""NACHA files read back by an independent parser (achkit) and field by field, as a bank would."""

from datetime import date, datetime

import achkit
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payouts.rails.nacha import (
    CCD,
    PPD,
    RECORD_SIZE,
    Credit,
    NachaError,
    Originator,
    ReturnNotice,
    nacha_file,
    read_returns,
)
from payouts.services.ach_files import DEMO_ORIGINATOR, next_banking_day

ROUTINGS = ["011000015", "021000021", "026009593", "121000358"]
ORIGIN = Originator(**DEMO_ORIGINATOR)


def credit(n: int, **overrides) -> Credit:
    fields = {
        "routing_number": "011000015", "account_number": "123456789", "account_type": "checking",
        "amount_minor": 4000, "name": "Ada Payee", "individual_id": f"po_{n}",
        "trace_number": f"02100002{n:07d}", "entry_class": PPD,
    }  # fmt: skip
    return Credit(**{**fields, **overrides})


def write(credits: list[Credit], modifier: str = "A") -> str:
    return nacha_file(
        originator=ORIGIN, credits=credits, effective=date(2026, 1, 5),
        created=datetime(2026, 1, 2, 9, 30), file_id_modifier=modifier,
    )  # fmt: skip


credits = st.lists(
    st.builds(
        Credit,
        routing_number=st.sampled_from(ROUTINGS),
        account_number=st.from_regex(r"\d{4,17}", fullmatch=True),
        account_type=st.sampled_from(["checking", "savings"]),
        # 1 minor unit up to the most an entry's ten-digit amount field holds.
        amount_minor=st.one_of(st.just(1), st.just(9_999_999_999), st.integers(1, 9_999_999_999)),
        name=st.text(alphabet="ABCDEFGHIJ KLMNOPéüøÆß-", min_size=1, max_size=30),
        individual_id=st.from_regex(r"[a-z0-9]{1,15}", fullmatch=True),
        trace_number=st.just(""),
        entry_class=st.sampled_from([PPD, CCD]),
    ),
    min_size=1,
    max_size=25,
).map(
    lambda entries: [
        Credit(**{**entry.__dict__, "trace_number": f"02100002{n:07d}"})
        for n, entry in enumerate(entries, start=1)
    ]
)


@given(credits)
def test_an_independent_parser_reads_every_total_and_hash_of_a_nacha_file(entries):
    text = write(entries)

    assert achkit.validate(text) == {"ok": True, "errors": []}
    parsed = achkit.parse(text)
    lines = text.splitlines()
    assert all(len(line) == RECORD_SIZE for line in lines) and len(lines) % 10 == 0
    classes = [c for c in (PPD, CCD) if any(e.entry_class == c for e in entries)]
    assert [b["sec"] for b in parsed["batches"]] == classes
    assert [b["batch_number"] for b in parsed["batches"]] == list(range(1, len(classes) + 1))
    for batch in parsed["batches"]:
        mine = [e for e in entries if e.entry_class == batch["sec"]]
        assert [e["amount_cents"] for e in batch["entries"]] == [c.amount_minor for c in mine]
        assert [e["trace_number"] for e in batch["entries"]] == [c.trace_number for c in mine]
        assert [e["txn_code"] for e in batch["entries"]] == [
            32 if c.account_type == "savings" else 22 for c in mine
        ]
        assert batch["control"]["total_credit"] == sum(c.amount_minor for c in mine)
        assert batch["control"]["total_debit"] == 0
        assert batch["effective_date"] == "260105"
    assert parsed["control"]["batch_count"] == len(classes)
    assert parsed["control"]["entry_addenda_count"] == len(entries)
    assert parsed["control"]["total_credit"] == sum(c.amount_minor for c in entries)
    expected_hash = sum(int(c.routing_number[:8]) for c in entries) % 10**10
    assert int(parsed["control"]["entry_hash"]) == expected_hash


def test_names_are_transliterated_to_ascii_not_blanked():
    text = write([credit(1, name="José Müller-Øberg")])

    entry = achkit.parse(text)["batches"][0]["entries"][0]
    assert entry["name"] == "JOSE MULLER-OBERG"
    assert text.isascii()


def test_the_file_header_carries_its_file_id_modifier():
    assert achkit.parse(write([credit(1)], modifier="B"))["file_id_modifier"] == "B"
    assert achkit.parse(write([credit(1)], modifier="0"))["file_id_modifier"] == "0"
    with pytest.raises(NachaError, match="file ID modifier"):
        write([credit(1)], modifier="a")


def test_an_amount_an_entry_cannot_carry_is_refused():
    with pytest.raises(NachaError, match="does not fit 10 digits"):
        write([credit(1, amount_minor=10**10)])


@pytest.mark.parametrize(
    ("created", "effective"),
    [
        (date(2026, 11, 30), date(2026, 12, 1)),  # Monday -> Tuesday
        (date(2026, 12, 4), date(2026, 12, 7)),  # Friday -> Monday
        (date(2026, 11, 25), date(2026, 11, 27)),  # the day before Thanksgiving
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas, then the weekend
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Day (Friday), then the weekend
        (date(2027, 1, 15), date(2027, 1, 19)),  # Martin Luther King Jr. Day
    ],
)
def test_the_effective_date_is_the_next_federal_reserve_banking_day(created, effective):
    assert next_banking_day(created) == effective


def return_record(addenda_type: str, code: str, trace: str, data: str = "") -> str:
    line = f"7{addenda_type}{code}{trace}{'':6}02100002{data:<29}{'':15}{'0' * 15}"
    assert len(line) == RECORD_SIZE
    return line


def test_return_and_change_notices_are_read_with_their_original_trace_numbers():
    entry = "6" + "21" + "011000015" + "123456789".ljust(17) + "0000004000" + " " * 15 + \
        "ADA PAYEE".ljust(22) + "  " + "1" + "011000010000001"  # fmt: skip
    text = "\n".join([
        entry, return_record("99", "R02", "021000020000007"),
        entry, return_record("98", "C01", "021000020000008", "987654321"),
        "9" * RECORD_SIZE,
    ])  # fmt: skip

    assert read_returns(text) == [
        ReturnNotice(code="R02", original_trace="021000020000007"),
        ReturnNotice(code="C01", original_trace="021000020000008", corrected_data="987654321"),
    ]
    assert read_returns(text)[0].reason == "R02 Account closed"
    assert read_returns(text)[1].is_return is False


def test_a_file_that_is_not_nacha_is_refused_naming_the_line():
    with pytest.raises(NachaError, match="line 2"):
        read_returns("9" * RECORD_SIZE + "\nhello")
