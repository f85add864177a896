import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadence.kernel.money import Money
from payouts import api
from payouts.errors import PayoutsError
from payouts.models import EarnedRevenue, JournalEntry, JournalTransaction, Sale
from payouts.selectors.ledger import ledger_verify
from payouts.services.journal import journal_post
from payouts.tests.factories import RevenueRecordedFactory


@pytest.mark.django_db
def test_recording_posts_one_balanced_transaction_with_fee_and_shares():
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_1"))

    entries = {
        e.account: e.amount_minor
        for e in JournalEntry.objects.filter(transaction__key__endswith=":recorded")
    }
    assert entries == {
        "clearing": 19900,
        "processor-fees": -607,
        "payee:usr_creator:pending": -7717,
        "payee:usr_instructor:pending": -5788,
        "platform:pending": -5788,
    }
    assert sum(entries.values()) == 0


@pytest.mark.django_db
def test_an_unbalanced_posting_is_refused():
    with pytest.raises(PayoutsError) as refused:
        journal_post(
            key="test:unbalanced",
            description="off by one",
            legs=[("clearing", Money(100, "USD")), ("money-sent", Money(-99, "USD"))],
            at=timezone.now(),
        )
    assert refused.value.field == "legs"
    assert not JournalTransaction.objects.exists()


@pytest.mark.django_db
def test_a_posting_with_the_same_key_happens_once():
    legs = [("clearing", Money(100, "USD")), ("money-sent", Money(-100, "USD"))]
    journal_post(key="test:once", description="once", legs=legs, at=timezone.now())
    journal_post(key="test:once", description="once", legs=legs, at=timezone.now())
    assert JournalEntry.objects.count() == 2
    # Reverse it (a new posting, never an edit) so that the journal agrees with earned revenue.
    undo = [(account, -money) for account, money in legs]
    journal_post(key="test:once:reversed", description="undo", legs=undo, at=timezone.now())


@pytest.mark.django_db
def test_posted_entries_cannot_be_changed_or_deleted_through_the_orm():
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_1"))
    entry = JournalEntry.objects.first()
    entry.amount_minor = 1
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    with pytest.raises(ValueError):
        JournalTransaction.objects.first().delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_to_change_or_delete_a_posted_entry():
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_1"))

    for statement in (
        "UPDATE payouts_journalentry SET amount_minor = amount_minor + 1",
        "DELETE FROM payouts_journalentry",
        "UPDATE payouts_journaltransaction SET description = 'edited'",
    ):
        with (
            pytest.raises(DatabaseError, match="cannot be changed or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_to_commit_an_unbalanced_transaction():
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        posted = JournalTransaction.objects.create(
            key="test:raw", description="raw", posted_at=timezone.now()
        )
        JournalEntry.objects.create(
            transaction=posted, account="clearing", currency="USD", amount_minor=5
        )
    assert not JournalTransaction.objects.exists()


@pytest.mark.django_db
def test_verify_ledger_passes_on_a_consistent_journal_and_fails_on_a_tampered_one(capsys):
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_1"))
    call_command("verify_ledger")
    assert "ledger balances" in capsys.readouterr().out

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Its triggers refuse the edit (tested above): switch them off, inside this test's
            # transaction, to see that the check alone notices a tampered journal too.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending balance checks
            cursor.execute("ALTER TABLE payouts_journalentry DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE payouts_journalentry SET amount_minor = amount_minor - 1 "
            "WHERE account = 'platform:pending'"
        )
    with pytest.raises(CommandError, match="ledger check failed"):
        call_command("verify_ledger")
    assert not ledger_verify().ok
    # Put it back so that the after-test ledger check sees the journal as it was posted.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payouts_journalentry SET amount_minor = amount_minor + 1 "
            "WHERE account = 'platform:pending'"
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE payouts_journalentry ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_verify_ledger_notices_earned_revenue_the_journal_does_not_know():
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_1"))
    sale = Sale.objects.get()
    stray = EarnedRevenue.objects.create(
        sale=sale, role="instructor", user_id="usr_x", kind="reversal", amount_minor=-5,
        currency="USD",
    )  # fmt: skip
    problems = ledger_verify().problems
    assert any("usr_x" in problem for problem in problems)
    EarnedRevenue.objects.filter(pk=stray.pk).delete()


@pytest.mark.django_db
def test_verify_ledger_runs_a_fixed_number_of_queries():
    def queries_to_verify() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert ledger_verify().ok
        return len(captured)

    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_0"))
    with_one = queries_to_verify()
    for n in range(1, 30):
        api.revenue_record(RevenueRecordedFactory(order_item_id=f"oi_{n}"))
    assert queries_to_verify() == with_one


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_sale_recorded_concurrently_is_split_once():
    revenue = RevenueRecordedFactory(order_item_id="oi_race")
    barrier = threading.Barrier(4)
    errors = []

    def record():
        try:
            barrier.wait()
            api.revenue_record(revenue)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert EarnedRevenue.objects.filter(sale__order_item_id="oi_race").count() == 3
    assert JournalTransaction.objects.count() == 1
