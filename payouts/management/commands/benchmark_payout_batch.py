"""Benchmark the payout batch's gathering against a hand-written SQL baseline (PostgreSQL).

Generates confirmed earned revenue over payout accounts with set-based SQL, then times one
hand-written statement doing the batch's aggregation and marking, inside a transaction that is
rolled back, then the batch's own gathering and marking; prints both times, their ratio and the
process's peak memory (RSS). Python's allocations are not traced: that would slow the batch's
Python side and not the baseline.

Rolling the baseline back costs nothing, where undoing the batch would rewrite every row (at
10,000,000 rows that undo took longer than both runs). The baseline's time leaves out its
commit, which only flushes what its statement already wrote to the log, but not the foreign
keys' checks that Django's constraints defer to the commit: those are made at its end. Before
each run the earned revenue is rewritten in id order, every table analysed and a checkpoint
taken, so both runs start from the same state: without it the second would work through the
first's dead row versions and write out the pages the first left changed. All generated rows
are removed at the end, and the tables vacuumed: whatever runs next in the database (another
size, another benchmark) would otherwise read through their dead versions, with statistics
that still count them. The baseline gets the ``work_mem`` the batch gives its own gathering
(``PAYOUTS_BATCH_WORK_MEM``), so both run with the same memory. Not a test: run it against a
scratch database.
"""

from __future__ import annotations

import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payouts import conf
from payouts.models import Payout, PayoutBatch
from payouts.services.batches import payout_batch_run, work_mem_for_this_transaction

BASELINE = """
WITH locked AS (
    SELECT er.id, a.id AS account_id, a.user_id, a.method, er.currency, er.amount_minor
    FROM payouts_earnedrevenue er
    JOIN payouts_payoutaccount a ON a.user_id = er.user_id
    JOIN payouts_taxinfo t ON t.user_id = er.user_id
    WHERE er.status = 'confirmed' AND er.payout_id IS NULL AND er.role <> 'platform'
      AND er.hold_until <= %(now)s AND a.verified_at IS NOT NULL AND t.is_complete
    FOR UPDATE OF er SKIP LOCKED
), totals AS (
    SELECT account_id, user_id, method, currency, SUM(amount_minor) AS total, COUNT(*) AS n
    FROM locked GROUP BY account_id, user_id, method, currency
    HAVING SUM(amount_minor) >= %(minimum)s
), made AS (
    INSERT INTO payouts_payout (public_id, batch_id, account_id, user_id, method, currency,
        amount_minor, row_count, status, external_reference, failure_reason, created_at)
    SELECT 'po_base' || account_id || currency, %(batch)s, account_id, user_id, method,
        currency, total, n, 'pending', '', '', %(now)s
    FROM totals
    RETURNING id, account_id, currency
)
UPDATE payouts_earnedrevenue er SET payout_id = made.id
FROM locked l JOIN made ON made.account_id = l.account_id AND made.currency = l.currency
WHERE er.id = l.id
"""


# Every table the benchmark writes rows to.
GENERATED_TABLES = (
    "payouts_earnedrevenue",
    "payouts_payout",
    "payouts_payoutbatch",
    "payouts_sale",
    "payouts_taxinfo",
    "payouts_payoutaccount",
)


def _measure(work) -> tuple[float, int]:
    """(seconds, SQL statements) of ``work()``."""
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        work()
    elapsed = time.perf_counter() - started
    return elapsed, len(queries)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Command(BaseCommand):
    help = "Time the payout batch over generated rows against a raw SQL baseline (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--accounts", type=int, default=20_000)
        parser.add_argument("--keep", action="store_true", help="leave the generated rows")

    def handle(self, *args, rows: int, accounts: int, keep: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("the benchmark needs PostgreSQL (DATABASE_URL=postgres://…)")
        if rows < 1 or accounts < 1 or accounts > rows:
            raise CommandError("--rows and --accounts must be positive, with accounts <= rows")
        try:
            self._generate(rows, accounts)
            now = timezone.now()
            self._settle()
            base_time, base_statements, base_made = self._baseline_rolled_back(now)
            self.stdout.write(f"baseline: {base_made} payouts in {base_time:.2f}s")
            self._settle()

            def ours():
                payout_batch_run(now=now, enqueue=False)

            ours_time, ours_statements = _measure(ours)
            made = Payout.objects.filter(user_id__startswith="usr_bench").count()
            self.stdout.write(f"batch: {made} payouts in {ours_time:.2f}s")
            if base_made != made:
                raise CommandError(f"the batch made {made} payouts, the baseline {base_made}")
        finally:
            if not keep:
                self._remove()
        self.stdout.write(
            self.style.SUCCESS(
                f"rows={rows} accounts={accounts} payouts={made}\n"
                f"  batch:    {ours_time:8.2f}s  {ours_statements} statements\n"
                f"  baseline: {base_time:8.2f}s  {base_statements} statements\n"
                f"  ratio (batch / baseline): time {ours_time / base_time:.2f}x\n"
                f"  peak RSS of this process: {_peak_rss_mib():.0f} MiB"
            )
        )

    def _generate(self, rows: int, accounts: int) -> None:
        self.stdout.write(f"generating {rows} confirmed rows over {accounts} accounts …")
        per_sale = accounts  # each sale holds at most one share per payee
        sales = -(-rows // per_sale)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO payouts_payoutaccount (public_id, user_id, method, details, "
                "verified_at, verified_by, created_at, updated_at) "
                "SELECT 'pacc_bench' || i, 'usr_bench' || i, 'stripe-connect', "
                "'{\"stripeAccountId\": \"acct_bench\"}'::jsonb, now(), 'benchmark', now(), now() "
                "FROM generate_series(1, %s) i",
                [accounts],
            )
            cursor.execute(
                "INSERT INTO payouts_taxinfo (user_id, form, legal_name, business_name, "
                "tax_classification, country, address_line, city, region, postal_code, "
                "treaty_country, tin_encrypted, tin_last4, signature_name, certified_at, "
                "is_complete, updated_at) "
                "SELECT 'usr_bench' || i, 'w9', 'Payee', '', '', 'US', '1 Main St', 'Town', "
                "'', '', '', 'x', '0000', 'Payee', now(), true, now() "
                "FROM generate_series(1, %s) i",
                [accounts],
            )
            cursor.execute(
                "INSERT INTO payouts_sale (order_id, order_item_id, instructor_ids, "
                "course_instructor_ids, currency, course_id, content_creator_id, "
                "no_instructor_recipient, enrollment_id, learner_id, completion_instructor_id, "
                "assigned_instructor_id, instructor_revision, created_at) "
                "SELECT 'ord_bench' || i, 'oi_bench' || i, '[]'::jsonb, '[]'::jsonb, 'USD', "
                "'', '', '', '', '', '', '', 0, now() FROM generate_series(1, %s) i",
                [sales],
            )
            cursor.execute(
                "INSERT INTO payouts_earnedrevenue (public_id, sale_id, role, user_id, kind, "
                "amount_minor, currency, status, hold_until, confirmed_at, created_at) "
                "SELECT 'ern_bench' || i, s.id, 'content-creator', "
                "'usr_bench' || (1 + i %% %s), 'share', 100 + (i::bigint * 7919) %% 5000, 'USD', "
                "'confirmed', now() - interval '31 days', now(), now() "
                "FROM generate_series(0, %s - 1) i "
                "JOIN payouts_sale s ON s.order_item_id = 'oi_bench' || (1 + i / %s)",
                [accounts, rows, per_sale],
            )
            cursor.execute("ANALYZE payouts_earnedrevenue")

    def _baseline_rolled_back(self, now) -> tuple[float, int, int]:
        """The baseline statement's (seconds, statements, payouts made), measured inside a
        transaction that is then rolled back, leaving the rows as they were."""
        with transaction.atomic():
            batch = PayoutBatch.objects.create(started_at=now)
            with connection.cursor() as cursor:
                # The memory the batch gives its own gathering.
                work_mem_for_this_transaction(cursor, conf.batch_work_mem())

            def baseline():
                with connection.cursor() as cursor:
                    cursor.execute(BASELINE, {"now": now, "minimum": 2500, "batch": batch.pk})
                    # The foreign keys' checks, deferred to the commit that never comes: made
                    # now, as the batch's commit makes them.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

            measured = _measure(baseline)
            made = Payout.objects.filter(user_id__startswith="usr_bench").count()
            transaction.set_rollback(True)
        return (*measured, made)

    def _settle(self) -> None:
        """Put the earned revenue back in id order (the order it was written in), compact and
        with fresh statistics, as after generating it, and write every changed page to disk, so
        that no run pays for what was written before it."""
        with connection.cursor() as cursor:
            cursor.execute("CLUSTER payouts_earnedrevenue USING payouts_earnedrevenue_pkey")
            cursor.execute("ANALYZE " + ", ".join(GENERATED_TABLES))
            cursor.execute("CHECKPOINT")  # a superuser's (or pg_checkpoint's) right

    def _remove(self) -> None:
        """Delete every generated row, then vacuum the tables they were in."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM payouts_earnedrevenue WHERE user_id LIKE 'usr_bench%%'")
            cursor.execute("DELETE FROM payouts_payout WHERE user_id LIKE 'usr_bench%%'")
            cursor.execute(
                "DELETE FROM payouts_payoutbatch b WHERE NOT EXISTS "
                "(SELECT 1 FROM payouts_payout p WHERE p.batch_id = b.id)"
            )
            cursor.execute("DELETE FROM payouts_sale WHERE order_item_id LIKE 'oi_bench%%'")
            cursor.execute("DELETE FROM payouts_taxinfo WHERE user_id LIKE 'usr_bench%%'")
            cursor.execute("DELETE FROM payouts_payoutaccount WHERE user_id LIKE 'usr_bench%%'")
        with connection.cursor() as cursor:
            # Outside any transaction: VACUUM cannot run inside one.
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(GENERATED_TABLES))
