from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from payouts.rails.ach import DEMO_ORIGINATOR
from payouts.rails.nacha import Credit, Originator, nacha_file

ROUTINGS = ["011000015", "021000021", "026009593", "121000358"]


def parse(text: str) -> dict:
    """Read a NACHA file back field by field, as a bank would."""
    lines = text.splitlines()
    assert all(len(line) == 94 for line in lines)
    assert len(lines) % 10 == 0
    by_type: dict[str, list[str]] = {}
    for line in lines:
        if line == "9" * 94:
            by_type.setdefault("pad", []).append(line)
        else:
            by_type.setdefault(line[0], []).append(line)
    entries = by_type["6"]
    batch, control = by_type["8"][0], by_type["9"][0]
    return {
        "lines": lines,
        "header": by_type["1"][0],
        "batch_header": by_type["5"][0],
        "entries": [
            {
                "code": e[1:3],
                "routing": e[3:12],
                "account": e[12:29].strip(),
                "amount": int(e[29:39]),
                "name": e[54:76].strip(),
                "trace": e[79:94],
            }
            for e in entries
        ],
        "batch_count": int(batch[4:10]),
        "batch_hash": int(batch[10:20]),
        "batch_debit": int(batch[20:32]),
        "batch_credit": int(batch[32:44]),
        "file_batches": int(control[1:7]),
        "file_blocks": int(control[7:13]),
        "file_count": int(control[13:21]),
        "file_hash": int(control[21:31]),
        "file_debit": int(control[31:43]),
        "file_credit": int(control[43:55]),
    }


credits = st.lists(
    st.builds(
        Credit,
        routing_number=st.sampled_from(ROUTINGS),
        account_number=st.from_regex(r"\d{4,17}", fullmatch=True),
        account_type=st.sampled_from(["checking", "savings"]),
        amount_minor=st.integers(min_value=1, max_value=99_999_999),
        name=st.text(alphabet="ABCDEFGHIJ KLMNOP", min_size=1, max_size=30),
        individual_id=st.from_regex(r"[a-z0-9]{1,15}", fullmatch=True),
    ),
    min_size=1,
    max_size=25,
)


@given(credits)
def test_every_record_total_and_hash_of_a_nacha_file_reads_back(entries):
    text = nacha_file(
        originator=Originator(**DEMO_ORIGINATOR), credits=entries, effective=date(2026, 1, 5),
        created=datetime(2026, 1, 4, 9, 30),
    )  # fmt: skip
    parsed = parse(text)

    expected_hash = sum(int(c.routing_number[:8]) for c in entries) % 10**10
    total = sum(c.amount_minor for c in entries)
    records = 4 + len(entries)
    assert parsed["header"][:3] == "101" and parsed["header"][34:40] == "094101"
    assert parsed["batch_header"][50:53] == "PPD"
    assert [e["amount"] for e in parsed["entries"]] == [c.amount_minor for c in entries]
    assert [e["routing"] for e in parsed["entries"]] == [c.routing_number for c in entries]
    assert [e["code"] for e in parsed["entries"]] == [
        "32" if c.account_type == "savings" else "22" for c in entries
    ]
    assert [e["trace"][8:] for e in parsed["entries"]] == [
        f"{n:07d}" for n in range(1, len(entries) + 1)
    ]
    assert parsed["batch_count"] == parsed["file_count"] == len(entries)
    assert parsed["batch_hash"] == parsed["file_hash"] == expected_hash
    assert parsed["batch_credit"] == parsed["file_credit"] == total
    assert parsed["batch_debit"] == parsed["file_debit"] == 0
    assert parsed["file_batches"] == 1
    assert parsed["file_blocks"] == -(-records // 10)
    assert len(parsed["lines"]) == parsed["file_blocks"] * 10
