"""The double-entry journal: balanced, idempotent, append-only postings.

Legs are debit-positive, credit-negative minor units. Accounts:

- ``clearing``: what commerce holds for us (gross less tax), and owes back on a refund;
- ``processor-fees``: the payment processor's fees on recorded sales;
- ``platform:pending`` / ``platform:revenue``: the platform's share before and after confirmation;
- ``platform:losses``: what a sale cost the platform when the processor's fee exceeded what was
  left of it (a negative net, shared as nothing);
- ``payee:<usr>:pending`` / ``payee:<usr>:payable``: a payee's share before and after confirmation;
- ``instructor-pool:unassigned``: instructor pools of sales whose instructor is not known yet;
- ``money-sent``: what payouts actually sent out.

A payee account's balance is minus the sum of that payee's earned revenue in the matching states
(credits are negative), which is what ``verify_ledger`` checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from cadence.kernel.money import Money
from cadence.kernel.rows import insert_all_with_children
from payouts.errors import PayoutsError
from payouts.models import EarnedRevenue, JournalEntry, JournalTransaction, Payout, Role, Sale

CLEARING = "clearing"
PROCESSOR_FEES = "processor-fees"
PLATFORM_PENDING = "platform:pending"
PLATFORM_REVENUE = "platform:revenue"
PLATFORM_LOSSES = "platform:losses"
MONEY_SENT = "money-sent"
UNASSIGNED_POOL = "instructor-pool:unassigned"

Status = EarnedRevenue.Status


def pending_account(*, role: str, user_id: str) -> str:
    if role == Role.PLATFORM:
        return PLATFORM_PENDING
    if not user_id:
        return UNASSIGNED_POOL  # an instructor pool that waits for its instructor
    return f"payee:{user_id}:pending"


def payable_account(*, role: str, user_id: str) -> str:
    return PLATFORM_REVENUE if role == Role.PLATFORM else f"payee:{user_id}:payable"


def account_for(row: EarnedRevenue, status: str) -> str:
    """Where a row's money sits while it is in ``status``."""
    if status in (Status.PENDING, Status.HELD):
        return pending_account(role=row.role, user_id=row.user_id)
    if status == Status.CONFIRMED:
        return payable_account(role=row.role, user_id=row.user_id)
    if status == Status.PAID:
        return MONEY_SENT
    if status == Status.REVERSED:
        return CLEARING
    raise ValueError(f"no account for status {status}")


class Posting(NamedTuple):
    """One transaction to post: its idempotency key, what it records, its legs."""

    key: str
    description: str
    legs: list[tuple[str, Money]]
    sale: Sale | None = None
    payout: Payout | None = None


def balanced_entries(key: str, legs: Iterable[tuple[str, Money]]) -> list[tuple[str, str, int]]:
    """``legs`` merged per account and currency, zero entries left out: (account, currency,
    minor). Raises ``PayoutsError`` if they do not sum to zero in every currency."""
    totals: dict[str, int] = defaultdict(int)
    merged: dict[tuple[str, str], int] = defaultdict(int)
    for account, money in legs:
        totals[money.currency] += money.minor
        merged[(account, money.currency)] += money.minor
    unbalanced = {code: total for code, total in totals.items() if total}
    if unbalanced:
        raise PayoutsError(
            f"journal transaction {key} does not balance: {unbalanced}", field="legs"
        )
    return [(acct, code, minor) for (acct, code), minor in merged.items() if minor]


def journal_post(
    *,
    key: str,
    description: str,
    legs: Iterable[tuple[str, Money]],
    at: datetime,
    sale: Sale | None = None,
    payout: Payout | None = None,
) -> JournalTransaction | None:
    """Post one balanced transaction once per ``key``; a second call with the key does nothing.

    Must run inside the caller's transaction. Raises ``PayoutsError`` if the legs do not sum to zero
    in every currency.
    """
    if JournalTransaction.objects.filter(key=key).exists():
        return None
    entries = balanced_entries(key, legs)
    if not entries:
        return None
    transaction_row = JournalTransaction(
        key=key, description=description, posted_at=at, sale=sale, payout=payout
    )
    _transactions_insert([(transaction_row, entries)])
    return transaction_row


def journal_post_new(postings: Iterable[Posting], *, at: datetime) -> None:
    """``journal_post`` of each of ``postings``, whose keys the caller knows are new (their
    sales were created in this transaction), in one statement whatever their number.

    A key posted already fails the whole call on the unique key, as a concurrent writer would.
    """
    ready = [(posting, balanced_entries(posting.key, posting.legs)) for posting in postings]
    _transactions_insert(
        [
            (
                JournalTransaction(
                    key=posting.key,
                    description=posting.description,
                    posted_at=at,
                    sale=posting.sale,
                    payout=posting.payout,
                ),
                entries,
            )
            for posting, entries in ready
            if entries
        ]
    )


def _transactions_insert(
    transactions: list[tuple[JournalTransaction, list[tuple[str, str, int]]]],
) -> None:
    """Each transaction with its entries (account, currency, amount), in one statement."""
    insert_all_with_children(
        [row for row, _entries in transactions],
        [
            [
                JournalEntry(account=acct, currency=code, amount_minor=minor)
                for acct, code, minor in entries
            ]
            for _row, entries in transactions
        ],
        link="transaction",
        unique=("key",),
    )
