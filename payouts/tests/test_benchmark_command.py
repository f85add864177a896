import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from payouts.management.commands.benchmark_payout_batch import GENERATED_TABLES, Command
from payouts.models import EarnedRevenue, Payout, PayoutAccount, PayoutBatch


@pytest.mark.postgres
# Committed between its steps, as on the command line: it rewrites the table between its runs.
@pytest.mark.django_db(transaction=True)
def test_the_benchmark_runs_small_and_leaves_nothing_behind():
    started = timezone.now()
    out = io.StringIO()
    call_command("benchmark_payout_batch", "--rows", "3000", "--accounts", "40", stdout=out)

    text = out.getvalue()
    assert "rows=3000 accounts=40 payouts=40" in text
    assert "baseline: 40 payouts" in text and "batch: 40 payouts" in text
    assert "ratio (batch / baseline): time" in text
    assert "peak RSS of this process" in text
    assert not EarnedRevenue.objects.exists()
    assert not Payout.objects.exists()
    assert not PayoutAccount.objects.exists()
    assert not PayoutBatch.objects.exists()
    # Not even the removed rows' dead versions, for whatever runs next in the database.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND last_vacuum >= %s",
            [list(GENERATED_TABLES), started],
        )
        assert {name for (name,) in cursor.fetchall()} == set(GENERATED_TABLES)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_baseline_is_measured_and_then_leaves_the_rows_as_they_were():
    command = Command(stdout=io.StringIO())
    command._generate(300, 4)
    try:
        seconds, statements, made = command._baseline_rolled_back(timezone.now())

        assert made == 4 and statements == 2 and seconds > 0
        assert not Payout.objects.exists()
        assert not PayoutBatch.objects.exists()
        assert EarnedRevenue.objects.count() == 300
        assert not EarnedRevenue.objects.filter(payout__isnull=False).exists()
    finally:
        command._remove()


@pytest.mark.django_db
def test_the_benchmark_refuses_what_it_cannot_measure():
    # Without PostgreSQL there is nothing to measure; with it, more accounts than rows is nonsense.
    reason = "--rows and --accounts" if connection.vendor == "postgresql" else "needs PostgreSQL"
    with pytest.raises(CommandError, match=reason):
        call_command("benchmark_payout_batch", "--rows", "2", "--accounts", "10")
