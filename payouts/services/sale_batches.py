"""Connector 4 for every item of one order at once: ``sales.revenue_record`` with the order's
reads and writes done together.

An order's items are new to payouts as a rule (nothing else can be known of an item before its
payment): their sales and shares are then written in one statement, and their journal
transactions and entries in another, whatever the number of items. Each such item ends exactly
as ``sales.revenue_record`` leaves a sale with no other fact: shares from
``sales.share_amounts`` of the config in force, all pending, and the ``sale:<id>:recorded``
journal transaction. Every other item (already recorded, a fact about it arrived first, an input
the checks refuse, a concurrent writer) goes through ``sales.revenue_record`` itself, which
settles it as always.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cadence.kernel.rows import insert_all_with_children
from payouts.data import RevenueRecorded
from payouts.errors import PayoutsError
from payouts.models import RevenueShareConfig, Sale
from payouts.services import sales
from payouts.services.journal import journal_post_new


# No savepoint of its own in the caller's transaction (the outbox delivery's): a failure fails
# the whole delivery, which is retried.
@transaction.atomic(savepoint=False)
def revenues_record(*, revenues: list[RevenueRecorded], now: datetime | None = None) -> None:
    """``sales.revenue_record`` for each of ``revenues`` (the items of one order), in one
    transaction: idempotent per order item, refusing what it refuses."""
    now = now or timezone.now()
    checked = {index: _checked_or_none(revenue) for index, revenue in enumerate(revenues)}
    # No read of the sales first: the insert leaves out every item that has a sale row already
    # (recorded, or made by a fact that arrived first), and those go the one-item way below.
    fresh = {index: fact for index, fact in checked.items() if fact is not None}
    written = _fresh_sales_record(fresh, now)
    for index, revenue in enumerate(revenues):
        if index not in written:
            sales.revenue_record(revenue=revenue, now=now)


def _checked_or_none(revenue: RevenueRecorded) -> sales.CheckedRevenue | None:
    """``revenue`` checked as ``sales.revenue_record`` checks it, or ``None`` when a check
    refuses it (``sales.revenue_record`` then refuses it with its own words)."""
    try:
        return sales.revenue_checked(revenue)
    except PayoutsError:
        return None


def _fresh_sales_record(fresh: dict[int, sales.CheckedRevenue], now: datetime) -> set[int]:
    """Write the sales payouts knows nothing of, their shares and journal transactions; the
    indexes of those written. One insert that leaves out every item with a sale row already
    (one known before, or a concurrent writer's): no read first, no savepoint."""
    if not fresh:
        return set()
    checked = list(fresh.values())
    configs = _configs_in_force(checked)
    rows = []
    for fact in checked:
        sale = Sale(
            order_id=fact.order_id,
            order_item_id=fact.order_item_id,
            course_instructor_ids=fact.course_instructor_ids,
            revenue_recorded_at=now,
            **fact.facts,
        )
        sales.config_apply(sale, configs[(fact.facts["course_id"], fact.facts["paid_at"])])
        rows.append(sale)
    shares = [sales.new_shares(sale) for sale in rows]
    inserted = insert_all_with_children(
        rows, shares, link="sale", unique=("order_id", "order_item_id"), skip_present=True
    )
    journal_post_new(
        (
            sales.recorded_posting(sale, sale_shares)
            for sale, sale_shares, made in zip(rows, shares, inserted, strict=True)
            if made
        ),
        at=now,
    )
    return {index for index, made in zip(fresh, inserted, strict=True) if made}


def _configs_in_force(
    checked: list[sales.CheckedRevenue],
) -> dict[tuple[str, datetime], RevenueShareConfig]:
    """``sales.share_config_in_force`` of each (course, payment time), in one query."""
    wanted = {(fact.facts["course_id"], fact.facts["paid_at"]) for fact in checked}
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
        config = next((c for c in in_force if c.course_id == course_id), None)
        config = config or next((c for c in in_force if c.course_id == ""), None)
        found[(course_id, at)] = config or sales.spec_default_config()
    return found
