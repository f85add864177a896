"""Payout batches: gather confirmed earned revenue into payouts, send them, settle them.

The gathering is set-based: one INSERT … SELECT copies the eligible rows (locked with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runs at once never take the same row) into a
temporary table, one aggregate reads the totals per payout account and currency, the payouts are
bulk-created in chunks, and UPDATE … FROM attaches the rows to their payouts, one chunk of
``MARK_CHUNK`` rows at a time in id order. The number of statements grows with accounts and
chunks, never with earned-revenue rows one by one, and no row is loaded into Python.

Rows are locked in the order they lie in on disk and marked in id order, the order they were
written in, so that each page of the table is read and written once and one chunk's pages fit in
the cache whatever the batch's size. Most of the marking's cost is elsewhere: a new entry for
every row in each of earned revenue's indexes but the gathering's own (which holds only unpaid
rows, so a marked row leaves it), whose pages no order keeps together for all of them
(``benchmark_payout_batch``'s baseline marks payout by payout and takes about as long).

The gathering reads the table from end to end and finds each row's account and tax info in hash
tables of the eligible payees. The hash join hands rows on in the scan's order only while those
tables fit in its memory (spilled to disk, it locks the rows in several passes, one per part of
the payees), so the gathering raises ``work_mem`` for its own transaction
(``PAYOUTS_BATCH_WORK_MEM``). An ``ORDER BY id`` would keep the order at any size, but the planner
then looks up each row's account and tax info by index, two lookups per row (24.8 s against
20.9 s at 10,000,000 rows). The gathered rows' index is built once they are all in, which costs
less than half of keeping it up row by row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from payouts import conf, events
from payouts.data import PayoutSettled
from payouts.errors import PayoutsError
from payouts.models import EarnedRevenue, Payout, PayoutAccount, PayoutBatch
from payouts.rails.capabilities import currency_refusal, rail_refusal
from payouts.services.journal import MONEY_SENT, journal_post, payable_account

CHUNK = 1000
# Earned-revenue rows attached to their payouts per UPDATE: enough that the statements stay few
# (100 for ten million rows), few enough that one chunk's table and index pages stay in cache.
MARK_CHUNK = 100_000
LARGEST_ID = 2**63 - 1


# Confirmed, unpaid payee revenue past its hold, of a payee with a verified account and complete
# tax info: what a batch gathers. One parameter, the moment of the run.
_PAYABLE = (
    "FROM payouts_earnedrevenue er "
    "JOIN payouts_payoutaccount a ON a.user_id = er.user_id "
    "JOIN payouts_taxinfo t ON t.user_id = er.user_id "
    "WHERE er.status = 'confirmed' AND er.payout_id IS NULL AND er.role <> 'platform' "
    "AND er.hold_until <= %s AND a.verified_at IS NOT NULL AND t.is_complete"
)


def _gather_sql(vendor: str) -> str:
    # SQLite has one writer at a time, so it needs no row locks.
    lock = " FOR UPDATE OF er SKIP LOCKED" if vendor == "postgresql" else ""
    return (
        "INSERT INTO payouts_batch_gather (er_id, account_id, currency, amount_minor) "
        "SELECT er.id, a.id, er.currency, er.amount_minor " + _PAYABLE + lock
    )


def _gather(cursor, *, now: datetime, work_mem: str) -> None:
    """Copy the rows a batch run at ``now`` pays into the temporary ``payouts_batch_gather``."""
    cursor.execute("DROP TABLE IF EXISTS payouts_batch_gather")
    cursor.execute(
        "CREATE TEMPORARY TABLE payouts_batch_gather (er_id bigint NOT NULL, "
        "account_id bigint NOT NULL, currency varchar(3) NOT NULL, amount_minor bigint NOT NULL)"
    )
    if connection.vendor == "postgresql":
        work_mem_for_this_transaction(cursor, work_mem)
    cursor.execute(_gather_sql(connection.vendor), [now])
    cursor.execute("CREATE UNIQUE INDEX payouts_batch_gather_er ON payouts_batch_gather (er_id)")
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner joins the gathered rows by hash, not by loop.
        cursor.execute("ANALYZE payouts_batch_gather")


def work_mem_for_this_transaction(cursor, work_mem: str) -> None:
    """Give the rest of the cursor's transaction ``work_mem`` (PostgreSQL), the session's own
    coming back at its end."""
    cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])


def payable_revenue_exists(*, now: datetime) -> bool:
    """Whether a batch run at ``now`` would find any row to gather."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 " + _PAYABLE + ")", [now])
        return bool(cursor.fetchone()[0])


def _totals(minimums: dict[str, int]) -> Iterator[tuple[int, str, str, str, int, int]]:
    """(account id, user id, method, currency, total, rows) per group at or above its currency's
    minimum; the account's payee and method come with the totals, read only for the groups."""
    with connection.cursor() as cursor:
        cursor.execute(
            # Summed before the join, so only one row per group meets the accounts.
            "SELECT g.account_id, a.user_id, a.method, g.currency, g.total, g.count "
            "FROM (SELECT account_id, currency, SUM(amount_minor) AS total, COUNT(*) AS count "
            "FROM payouts_batch_gather GROUP BY account_id, currency) g "
            "JOIN payouts_payoutaccount a ON a.id = g.account_id "
            "ORDER BY g.account_id, g.currency"
        )
        while rows := cursor.fetchmany(CHUNK):
            for account_id, user_id, method, code, total, count in rows:
                # A balance the payee's method cannot carry stays, with the reason on their
                # earnings page; it is never converted or sent in another currency.
                if total >= minimums[code] and not currency_refusal(method=method, currency=code):
                    yield account_id, user_id, method, code, int(total), int(count)


def _attach_gathered_rows(batch: PayoutBatch) -> None:
    """Point every gathered row at its payout of ``batch``, in chunks of ``MARK_CHUNK`` rows in
    id order (see the module's docstring for why the order matters)."""
    after = 0
    with connection.cursor() as cursor:
        while True:
            # The chunk's last id, read off the gathered rows' index; none left for the
            # last chunk, which runs to the end.
            cursor.execute(
                "SELECT er_id FROM payouts_batch_gather WHERE er_id > %s "
                "ORDER BY er_id LIMIT 1 OFFSET %s",
                [after, MARK_CHUNK - 1],
            )
            last = cursor.fetchone()
            up_to = last[0] if last else LARGEST_ID
            cursor.execute(
                "UPDATE payouts_earnedrevenue SET payout_id = p.id "
                "FROM payouts_batch_gather g JOIN payouts_payout p ON p.batch_id = %s "
                "AND p.account_id = g.account_id AND p.currency = g.currency "
                "WHERE payouts_earnedrevenue.id = g.er_id "
                "AND payouts_earnedrevenue.payout_id IS NULL "
                "AND g.er_id > %s AND g.er_id <= %s",
                [batch.pk, after, up_to],
            )
            if last is None:
                return
            after = up_to


def payout_batch_run(*, now: datetime | None = None, enqueue: bool = True) -> PayoutBatch:
    """Gather confirmed revenue past its hold period into payouts, then hand each one to a worker.

    Per payout account and currency, totals under the minimum (or negative, after refunds of paid
    revenue) stay where they are and carry over to the next run.
    """
    now = now or timezone.now()
    minimums = conf.payout_minimums_minor()
    work_mem = conf.batch_work_mem()
    with transaction.atomic():
        batch = PayoutBatch.objects.create(started_at=now)
        with connection.cursor() as cursor:
            _gather(cursor, now=now, work_mem=work_mem)
        payout_count = row_count = 0
        pending: list[Payout] = []
        for account_id, user_id, method, code, total, count in _totals(minimums):
            pending.append(
                Payout(
                    batch=batch,
                    account_id=account_id,
                    user_id=user_id,
                    method=method,
                    currency=code,
                    amount_minor=total,
                    row_count=count,
                    created_at=now,
                    send_due_at=now,
                )
            )
            payout_count += 1
            row_count += count
            if len(pending) == CHUNK:
                Payout.objects.bulk_create(pending)
                pending = []
        if pending:
            Payout.objects.bulk_create(pending)
        _attach_gathered_rows(batch)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE payouts_batch_gather")
        batch.payout_count = payout_count
        batch.row_count = row_count
        batch.finished_at = timezone.now()
        batch.save()
        if enqueue:
            transaction.on_commit(lambda: payouts_send_due(now=now))
    return batch


UNFINISHED = (Payout.Status.PENDING, Payout.Status.PROCESSING)


def payouts_send_due(*, now: datetime | None = None) -> int:
    """Hand every unfinished payout whose send is due to a worker, one task each; how many.

    A new payout is due at once. Each hand-over moves the payout's due time one grace period on
    (``PAYOUTS_SEND_GRACE_SECONDS``) in the same transaction that claims it, so no payout is handed
    over twice within a period, and one whose task was lost (a worker killed while enqueueing, a
    broker that dropped the message) or whose worker died mid-send is handed over again by the next
    run after the period, with the same idempotency key. Run after every batch and by beat every
    ``PAYOUTS_SEND_SWEEP_SECONDS``: a crash delays a payout by at most the two added together.
    """
    now = now or timezone.now()
    next_due = now + conf.send_grace_period()
    handed_over = 0
    while True:
        with transaction.atomic():
            ids = list(
                Payout.objects.select_for_update(skip_locked=True)
                .filter(status__in=UNFINISHED, send_due_at__lte=now)
                .order_by("id")
                .values_list("id", flat=True)[:CHUNK]
            )
            if not ids:
                return handed_over
            Payout.objects.filter(pk__in=ids).update(send_due_at=next_due)
            transaction.on_commit(partial(_enqueue_sends, ids))
        handed_over += len(ids)


def _enqueue_sends(payout_ids: list[int]) -> None:
    from payouts.tasks import payout_send

    for payout_id in payout_ids:
        payout_send.delay(payout_id)


def payout_send(*, payout_id: int) -> Payout:
    """Hand the payout to its rail, once: the rail call carries an idempotency key from the id.

    Safe to run twice or after a crash: a finished payout is left alone, a processing one is sent
    again with the same key (the rail answers with the transfer it already made).
    """
    from payouts.rails import RailError, rail_for

    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status in (Payout.Status.COMPLETED, Payout.Status.FAILED):
            return payout
        if payout.status == Payout.Status.PENDING:
            payout.start()
            payout.save()
    refusal = rail_refusal(
        method=payout.method, currency=payout.currency, amount_minor=payout.amount_minor
    )
    if refusal:
        return payout_fail(payout_id=payout_id, reason=refusal)
    account = PayoutAccount.objects.get(pk=payout.account_id)
    try:
        result = rail_for(payout.method).send(payout=payout, account=account)
    except RailError as error:
        return payout_fail(payout_id=payout_id, reason=str(error))
    if result.completed:
        return payout_complete(payout_id=payout_id, reference=result.reference)
    return Payout.objects.get(pk=payout_id)


@transaction.atomic
def payout_complete(*, payout_id: int, reference: str, now: datetime | None = None) -> Payout:
    """The money left: rows become paid and the journal moves it from payable to money sent."""
    now = now or timezone.now()
    payout = Payout.objects.select_for_update().get(pk=payout_id)
    if payout.status == Payout.Status.COMPLETED:
        return payout
    if payout.status != Payout.Status.PROCESSING:
        raise PayoutsError(f"payout {payout.public_id} is {payout.status}", field="status")
    rows = EarnedRevenue.objects.filter(payout=payout, status=EarnedRevenue.Status.CONFIRMED)
    total = rows.aggregate(total=Sum("amount_minor"))["total"] or 0
    if total != payout.amount_minor:
        raise PayoutsError(
            f"payout {payout.public_id} holds {total} but was made for {payout.amount_minor}",
            field="amount",
        )
    payout.complete(reference=reference, at=now)
    payout.save()
    # Set-based equivalent of EarnedRevenue.pay() (confirmed -> paid) for the payout's rows.
    rows.update(status=EarnedRevenue.Status.PAID, paid_at=now)
    amount = payout.amount
    journal_post(
        key=f"{payout.public_id}:completed",
        description=f"Payout {payout.public_id} sent by {payout.method}",
        legs=[
            (payable_account(role="payee", user_id=payout.user_id), amount),
            (MONEY_SENT, -amount),
        ],
        at=now,
        payout=payout,
    )
    events.payout_completed.publish(_settled(payout))
    return payout


@transaction.atomic
def payout_fail(*, payout_id: int, reason: str) -> Payout:
    """The rail refused: the payout's rows go back to the pool for the next batch.

    The payout keeps the list of rows it held (``ReleasedEarnedRevenue``), copied in one
    INSERT … SELECT, so it still shows what it was made of once they are paid by another payout.
    """
    payout = Payout.objects.select_for_update().get(pk=payout_id)
    if payout.status in (Payout.Status.FAILED, Payout.Status.COMPLETED):
        return payout
    payout.fail(reason=reason[:2000] or "the payout rail refused the payout")
    payout.save()
    _release_rows(payout)
    events.payout_failed.publish(_settled(payout))
    return payout


@transaction.atomic
def payout_return(*, payout_id: int, reason: str, now: datetime | None = None) -> Payout:
    """The receiving bank sent a completed payout back (an ACH return): it becomes failed with
    the reason, its rows are confirmed again and go back to the pool, the journal takes the money
    back from money sent, and the payee's account needs their attention before the next payout.
    """
    now = now or timezone.now()
    payout = Payout.objects.select_for_update().get(pk=payout_id)
    if payout.status == Payout.Status.FAILED:
        return payout
    if payout.status != Payout.Status.COMPLETED:
        return payout_fail(payout_id=payout_id, reason=reason)
    payout.return_(reason=reason[:2000])
    payout.save()
    EarnedRevenue.objects.filter(payout=payout, status=EarnedRevenue.Status.PAID).update(
        status=EarnedRevenue.Status.CONFIRMED, paid_at=None
    )
    _release_rows(payout)
    amount = payout.amount
    journal_post(
        key=f"{payout.public_id}:returned",
        description=f"Payout {payout.public_id} returned: {reason}"[:200],
        legs=[
            (MONEY_SENT, amount),
            (payable_account(role="payee", user_id=payout.user_id), -amount),
        ],
        at=now,
        payout=payout,
    )
    PayoutAccount.objects.filter(pk=payout.account_id).update(
        verified_at=None, verified_by="", attention_reason=f"A payout was returned: {reason}"[:200]
    )
    events.payout_failed.publish(_settled(payout))
    return payout


def _release_rows(payout: Payout) -> None:
    """Detach the payout's rows so that the next batch gathers them, keeping the list of what
    it held (``ReleasedEarnedRevenue``, one INSERT … SELECT)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payouts_releasedearnedrevenue (payout_id, earned_revenue_id) "
            "SELECT payout_id, id FROM payouts_earnedrevenue WHERE payout_id = %s ORDER BY id",
            [payout.pk],
        )
    EarnedRevenue.objects.filter(payout=payout).update(payout=None)


def _settled(payout: Payout) -> PayoutSettled:
    return PayoutSettled(
        payout_id=payout.public_id,
        user_id=payout.user_id,
        amount=payout.amount_minor,
        currency=payout.currency,
        method=payout.method,
        status=payout.status,
        reason=payout.failure_reason,
    )
