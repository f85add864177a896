"""The ledger check: the journal balances, and agrees with earned revenue to the minor unit.

Every query is aggregated in the database, so the check issues the same few statements whatever
the size of the journal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Greatest

from payouts.models import EarnedRevenue, JournalEntry, Sale
from payouts.services.journal import CLEARING, PLATFORM_LOSSES, PROCESSOR_FEES, account_for

Status = EarnedRevenue.Status


@dataclass(frozen=True)
class LedgerReport:
    transactions_checked: int
    accounts_checked: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def ledger_verify() -> LedgerReport:
    """Trial balance, balanced transactions, and journal == earned revenue for every account."""
    problems: list[str] = []

    unbalanced = (
        JournalEntry.objects.values("transaction__key", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
    )
    for row in unbalanced:
        problems.append(
            f"transaction {row['transaction__key']} is off by {row['total']} {row['currency']}"
        )

    balances: dict[tuple[str, str], int] = defaultdict(int)
    for row in JournalEntry.objects.values("account", "currency").annotate(
        total=Sum("amount_minor")
    ):
        balances[(row["account"], row["currency"])] = row["total"]
    trial: dict[str, int] = defaultdict(int)
    for (_, code), total in balances.items():
        trial[code] += total
    for code, total in trial.items():
        if total:
            problems.append(f"trial balance in {code} is off by {total}")

    expected: dict[tuple[str, str], int] = defaultdict(int)
    grouped = EarnedRevenue.objects.values(
        "role", "user_id", "status", "kind", "currency"
    ).annotate(total=Sum("amount_minor"))
    for row in grouped:
        probe = EarnedRevenue(role=row["role"], user_id=row["user_id"])
        code, total = row["currency"], row["total"]
        if row["kind"] == EarnedRevenue.Kind.REVERSAL:
            expected[(CLEARING, code)] += total
        if row["status"] == Status.REVERSED:
            expected[(CLEARING, code)] -= total
        elif row["status"] not in (Status.FORFEITED, Status.REASSIGNED):
            expected[(account_for(probe, row["status"]), code)] -= total
    for row in (
        Sale.objects.filter(revenue_recorded_at__isnull=False)
        .values("currency")
        .annotate(
            gross=Sum("gross_minor"),
            tax=Sum("tax_minor"),
            fee=Sum("processor_fee_minor"),
            loss=Sum("net_minor", filter=Q(net_minor__lt=0), default=0),
        )
    ):
        expected[(CLEARING, row["currency"])] += row["gross"] - row["tax"]
        expected[(PROCESSOR_FEES, row["currency"])] -= row["fee"]
        expected[(PLATFORM_LOSSES, row["currency"])] -= row["loss"]

    for key in sorted(set(balances) | set(expected)):
        if balances.get(key, 0) != expected.get(key, 0):
            account, code = key
            problems.append(
                f"{account} holds {balances.get(key, 0)} {code} in the journal but earned "
                f"revenue says {expected.get(key, 0)}"
            )

    mismatched = (
        Sale.objects.filter(revenue_recorded_at__isnull=False)
        .annotate(
            shares=Sum("earned_revenue__amount_minor", filter=Q(earned_revenue__kind="share"))
        )
        # A net the processor's fee took all of is shared as nothing (the platform's loss).
        .exclude(shares=Greatest(F("net_minor"), Value(0)))
        .values_list("order_item_id", "shares", "net_minor")
    )
    for order_item_id, shares, net in mismatched:
        problems.append(f"order item {order_item_id}: shares add up to {shares}, net is {net}")

    return LedgerReport(
        transactions_checked=JournalEntry.objects.values("transaction").distinct().count(),
        accounts_checked=len(balances),
        problems=tuple(problems),
    )
