"""Connector 4 for every item of one order at once: ``sales.revenue_record`` with the order's
reads and writes done together.

An order's items are new to payouts as a rule (nothing else can be known of an item before its
payment): their sales, shares and journal transactions are then written with one statement per
table, whatever the number of items. Each such item ends exactly as ``sales.revenue_record``
leaves a sale with no other fact: shares from ``sales.share_amounts`` of the config in force,
all pending, and the ``sale:<id>:recorded`` journal transaction. Every other item (already
recorded, a fact about it arrived first, an input the checks refuse, a concurrent writer) goes
through ``sales.revenue_record`` itself, which settles it as always.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cadence.kernel.money import Money
from payouts import conf
from payouts.data import RevenueRecorded
from payouts.errors import PayoutsError
from payouts.models import (
    EarnedRevenue,
    JournalEntry,
    JournalTransaction,
    PoolRecipient,
    RevenueShareConfig,
    Sale,
)
from payouts.services import sales
from payouts.services.inputs import require_currency, require_id, require_minor, require_moment
from payouts.services.journal import CLEARING, PLATFORM_LOSSES, PROCESSOR_FEES, account_for

Status = EarnedRevenue.Status
Kind = EarnedRevenue.Kind


# No savepoint of its own in the caller's transaction (the outbox delivery's): a failure fails
# the whole delivery, which is retried.
@transaction.atomic(savepoint=False)
def revenues_record(*, revenues: list[RevenueRecorded], now: datetime | None = None) -> None:
    """``sales.revenue_record`` for each of ``revenues`` (the items of one order), in one
    transaction: idempotent per order item, refusing what it refuses."""
    now = now or timezone.now()
    facts = {index: _fresh_facts(revenue) for index, revenue in enumerate(revenues)}
    candidates = {index: fact for index, fact in facts.items() if fact is not None}
    known = set(
        Sale.objects.filter(
            # Both keys, so that the unique constraint's index serves the read.
            order_id__in={fact["order_id"] for fact in candidates.values()},
            order_item_id__in=[fact["order_item_id"] for fact in candidates.values()],
        ).values_list("order_id", "order_item_id")
    )
    fresh = {
        index: fact
        for index, fact in candidates.items()
        if (fact["order_id"], fact["order_item_id"]) not in known
    }
    if not _fresh_sales_record(list(fresh.values()), now):
        fresh = {}
    for index, revenue in enumerate(revenues):
        if index not in fresh:
            sales.revenue_record(revenue=revenue, now=now)


def _fresh_facts(revenue: RevenueRecorded) -> dict | None:
    """The sale's fields as ``sales.revenue_record`` checks them, or ``None`` when a check
    refuses them (``sales.revenue_record`` then refuses with its own words)."""
    try:
        fact = {
            "order_id": require_id(revenue.order_id, "orderId"),
            "order_item_id": require_id(revenue.order_item_id, "orderItemId"),
            "course_id": require_id(revenue.course_id, "courseId"),
            "content_creator_id": require_id(revenue.content_creator_id, "contentCreatorId"),
            "currency": require_currency(revenue.currency),
            "gross_minor": require_minor(revenue.gross_amount, "grossAmount"),
            "tax_minor": require_minor(revenue.tax_amount, "taxAmount"),
            "discount_minor": require_minor(revenue.discount_amount, "discountAmount"),
            "processor_fee_minor": require_minor(revenue.platform_fee, "platformFee"),
            "net_minor": require_minor(revenue.net_amount, "netAmount", may_be_negative=True),
            "paid_at": require_moment(revenue.paid_at, "paidAt"),
            "instructor_ids": sales._user_ids(revenue.instructor_ids, "instructorIds"),
            "course_instructor_ids": sales._user_ids(
                revenue.course_instructor_ids, "courseInstructorIds"
            ),
        }
    except PayoutsError:
        return None
    if fact["gross_minor"] - fact["tax_minor"] - fact["processor_fee_minor"] != fact["net_minor"]:
        return None
    return fact


def _fresh_sales_record(facts: list[dict], now: datetime) -> bool:
    """Write the sales payouts knew nothing of, their shares and journal transactions; ``False``
    (nothing written) if a concurrent writer recorded one of them first."""
    if not facts:
        return True
    configs = _configs_in_force(facts)
    rows = []
    for fact in facts:
        config = configs[(fact["course_id"], fact["paid_at"])]
        rows.append(
            Sale(
                **fact,
                revenue_recorded_at=now,
                share_config=config if config.pk else None,
                content_creator_share_bp=config.content_creator_share_bp,
                instructor_pool_share_bp=config.instructor_pool_share_bp,
                platform_share_bp=config.platform_share_bp,
                no_instructor_recipient=config.no_instructor_recipient,
            )
        )
    try:
        with transaction.atomic():
            created = Sale.objects.bulk_create(rows)
    except IntegrityError:
        return False
    shares = EarnedRevenue.objects.bulk_create(
        EarnedRevenue(
            sale=sale,
            role=role,
            user_id=user_id,
            kind=Kind.SHARE,
            amount_minor=minor,
            currency=sale.currency,
            hold_until=sale.paid_at + conf.hold_period(),
        )
        for sale in created
        for role, user_id, minor in sales.share_amounts(sale)
    )
    shares_of: dict[int, list[EarnedRevenue]] = defaultdict(list)
    for share in shares:
        shares_of[share.sale_id].append(share)
    _recorded_journal_post(created, shares_of, now)
    return True


def _configs_in_force(facts: list[dict]) -> dict[tuple[str, datetime], RevenueShareConfig]:
    """``sales.share_config_in_force`` of each (course, payment time), in one query."""
    wanted = {(fact["course_id"], fact["paid_at"]) for fact in facts}
    candidates = list(
        RevenueShareConfig.objects.filter(
            course_id__in={course_id for course_id, _at in wanted} | {""},
            effective_from__lte=max(at for _course_id, at in wanted),
        ).order_by("-effective_from")
    )
    found = {}
    for course_id, at in wanted:
        in_force = [c for c in candidates if c.effective_from <= at]
        # The course's own rows before the platform default's, the latest first.
        config = next((c for c in in_force if c.course_id == course_id and course_id), None)
        config = config or next((c for c in in_force if c.course_id == ""), None)
        found[(course_id, at)] = config or RevenueShareConfig(
            course_id="",
            content_creator_share_bp=4000,
            instructor_pool_share_bp=3000,
            platform_share_bp=3000,
            no_instructor_recipient=PoolRecipient.PLATFORM,
        )
    return found


def _recorded_journal_post(
    created: list[Sale], shares_of: dict[int, list[EarnedRevenue]], now: datetime
) -> None:
    """Each new sale's ``sale:<id>:recorded`` transaction, as ``sales`` posts it (balanced, its
    legs merged per account, zero legs left out), all in two statements."""
    postings = []
    for sale in created:
        legs = [
            (CLEARING, Money(sale.gross_minor - sale.tax_minor, sale.currency)),
            (PROCESSOR_FEES, Money(-sale.processor_fee_minor, sale.currency)),
            (PLATFORM_LOSSES, Money(max(-sale.net_minor, 0), sale.currency)),
        ] + [(account_for(row, Status.PENDING), -row.amount) for row in shares_of[sale.pk]]
        key = f"sale:{sale.pk}:recorded"
        merged: dict[tuple[str, str], int] = defaultdict(int)
        for account, money in legs:
            merged[(account, money.currency)] += money.minor
        if sum(merged.values()):
            raise PayoutsError(f"journal transaction {key} does not balance", field="legs")
        entries = [(acct, code, minor) for (acct, code), minor in merged.items() if minor]
        if entries:
            postings.append((sale, key, entries))
    transactions = JournalTransaction.objects.bulk_create(
        JournalTransaction(
            key=key,
            description=f"Revenue recorded for {sale.order_id}/{sale.order_item_id}",
            posted_at=now,
            sale=sale,
        )
        for sale, key, _entries in postings
    )
    JournalEntry.objects.bulk_create(
        JournalEntry(transaction=row, account=acct, currency=code, amount_minor=minor)
        for row, (_sale, _key, entries) in zip(transactions, postings, strict=True)
        for acct, code, minor in entries
    )
