import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadence.kernel.money import CURRENCY_EXPONENTS, Money, MoneyError
from payouts import api, conf
from payouts.models import EarnedRevenue, Payout, PayoutBatch, PayoutFile, ReleasedEarnedRevenue
from payouts.rails.nacha import RECORD_SIZE
from payouts.selectors.ledger import ledger_verify
from payouts.services.accounts import payout_account_save
from payouts.services.batches import (
    payout_batch_run,
    payout_complete,
    payout_fail,
    payout_send,
    payouts_send_due,
)
from payouts.tests.factories import RefundFactory
from payouts.tests.fake_rails import FakeRails
from payouts.tests.helpers import confirmed_sale, payee_ready


@pytest.fixture
def rails(settings):
    with FakeRails() as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.PAYPAL_API_BASE = fake.url
        yield fake


@pytest.fixture
def run_batch(django_capture_on_commit_callbacks):
    """Run a batch and, as after its commit, the sends it enqueues."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return payout_batch_run(**kwargs)

    return run


def creator_rows(user_id: str):
    return EarnedRevenue.objects.filter(user_id=user_id, role="content-creator")


@pytest.mark.django_db
def test_a_batch_pays_confirmed_revenue_past_its_hold_period_through_stripe(rails, run_batch):
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")
    confirmed_sale(2, "usr_a")

    batch = run_batch()

    payout = Payout.objects.get(batch=batch)
    assert (payout.status, payout.amount_minor, payout.row_count) == ("completed", 8000, 2)
    assert payout.external_reference.startswith("tr_fake_")
    assert set(creator_rows("usr_a").values_list("status", flat=True)) == {"paid"}
    assert rails.transferred() == 8000
    transfer = next(iter(rails.transfers.values()))
    assert transfer["destination"] == "acct_testusra"
    assert transfer["transfer_group"] == payout.public_id


@pytest.mark.django_db
def test_revenue_inside_its_hold_period_waits(rails, run_batch):
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a", paid_at=timezone.now() - timedelta(days=5))

    run_batch()

    assert not Payout.objects.exists()
    run_batch(now=timezone.now() + timedelta(days=26))
    assert Payout.objects.get().amount_minor == 4000


@pytest.mark.django_db
def test_totals_under_the_minimum_carry_over_to_a_later_batch(rails, run_batch):
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a", gross=5000)  # creator earns 20.00 < 25.00

    run_batch()
    assert not Payout.objects.exists()

    confirmed_sale(2, "usr_a", gross=5000)
    run_batch()
    assert Payout.objects.get().amount_minor == 4000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("currency", "gross", "paid"),
    [
        ("JPY", 2_500, False),  # the creator's ¥1,000 is under ¥4,000: not worth a transfer
        ("JPY", 10_000, True),  # ¥4,000
        ("BHD", 25_000, True),  # 10.000 BHD
        ("BHD", 24_995, False),  # 9.998 BHD
    ],
)
def test_the_payout_minimum_is_an_amount_of_the_payouts_own_currency(
    rails, run_batch, settings, currency, gross, paid
):
    settings.PAYOUTS_STRIPE_CURRENCIES = [currency]  # the platform holds a balance in it
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a", gross=gross, currency=currency)

    run_batch()

    assert Payout.objects.filter(currency=currency).exists() is paid


def test_every_currency_has_a_payout_minimum_of_its_own():
    assert set(conf.payout_minimums_minor()) == set(CURRENCY_EXPONENTS)
    assert conf.payout_minimum("USD") == Money(2500, "USD")
    assert conf.payout_minimum("JPY") == Money(4000, "JPY")
    assert conf.payout_minimum("BHD") == Money(10_000, "BHD")


def test_a_payout_minimums_setting_that_forgets_a_currency_is_refused(settings):
    settings.PAYOUTS_MINIMUM = {"USD": "25.00"}

    with pytest.raises(MoneyError, match="has no amount for AED"):
        conf.payout_minimum("USD")


@pytest.mark.django_db
def test_each_currency_is_its_own_payout(rails, run_batch, settings):
    settings.PAYOUTS_STRIPE_CURRENCIES = ["USD", "EUR"]  # the platform holds both balances
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a", currency="USD")
    confirmed_sale(2, "usr_a", currency="EUR")

    run_batch()

    assert sorted(Payout.objects.values_list("currency", "amount_minor")) == [
        ("EUR", 4000),
        ("USD", 4000),
    ]


@pytest.mark.django_db
def test_a_currency_the_platforms_stripe_balance_lacks_is_held_not_converted(rails, run_batch):
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a", currency="USD")
    confirmed_sale(2, "usr_a", currency="EUR")

    run_batch()

    assert list(Payout.objects.values_list("currency", "amount_minor")) == [("USD", 4000)]
    assert [t["currency"] for t in rails.transfers.values()] == ["usd"]
    assert EarnedRevenue.objects.get(currency="EUR", role="content-creator").status == "confirmed"


@pytest.mark.django_db
def test_unverified_accounts_and_incomplete_tax_info_hold_the_money(rails, run_batch):
    confirmed_sale(1, "usr_a")
    payout_account_save(user_id="usr_a", method="paypal", details={"email": "a@example.com"})

    run_batch()

    assert not Payout.objects.exists()
    from payouts.selectors.accounts import payout_blockers

    assert payout_blockers(user_id="usr_a") == [
        "Your payout account is waiting for verification.",
        "Your tax information is missing.",
    ]


@pytest.mark.django_db
def test_a_refused_transfer_fails_the_payout_and_returns_its_revenue_to_the_next_batch(
    settings, run_batch
):
    with FakeRails(refuse=("acct_testusra",)) as fake:
        settings.STRIPE_API_BASE = fake.url
        payee_ready("usr_a")
        confirmed_sale(1, "usr_a")

        run_batch()

    failed = Payout.objects.get()
    assert failed.status == "failed"
    assert "No such destination" in failed.failure_reason
    assert set(creator_rows("usr_a").values_list("payout", flat=True)) == {None}

    with FakeRails() as fake:
        settings.STRIPE_API_BASE = fake.url
        run_batch()
        assert fake.transferred() == 4000
    assert Payout.objects.filter(status="completed").get().amount_minor == 4000


@pytest.mark.django_db
def test_a_failed_payout_keeps_the_rows_it_held_and_the_next_batch_pays_them(settings, run_batch):
    payee_ready("usr_a")
    payee_ready("usr_b")
    confirmed_sale(1, "usr_a")
    confirmed_sale(2, "usr_a")
    api.refund_record(RefundFactory(order_id="ord_1", order_item_id="oi_1", amount=1000))
    confirmed_sale(3, "usr_b")
    held = set(creator_rows("usr_a").values_list("pk", flat=True))
    assert len(held) == 3  # two shares and the refund's negative row

    with FakeRails(refuse=("acct_testusra",)) as fake:
        settings.STRIPE_API_BASE = fake.url
        run_batch()

    failed = Payout.objects.get(status="failed")
    assert (failed.user_id, failed.amount_minor, failed.row_count) == ("usr_a", 7600, 3)
    assert set(failed.released_revenue.values_list("earned_revenue", flat=True)) == held
    assert not ReleasedEarnedRevenue.objects.exclude(payout=failed).exists()
    assert not creator_rows("usr_a").filter(payout__isnull=False).exists()

    with FakeRails() as fake:
        settings.STRIPE_API_BASE = fake.url
        run_batch()

    paid = Payout.objects.get(user_id="usr_a", status="completed")
    assert set(paid.earned_revenue.values_list("pk", flat=True)) == held
    assert set(creator_rows("usr_a").values_list("status", flat=True)) == {"paid"}
    assert set(failed.released_revenue.values_list("earned_revenue", flat=True)) == held
    assert ledger_verify().ok


@pytest.mark.django_db
def test_failing_a_payout_costs_the_same_queries_however_many_rows_it_held():
    payee_ready("usr_a")
    payee_ready("usr_b")
    confirmed_sale(1, "usr_a")
    for n in range(2, 7):
        confirmed_sale(n, "usr_b")
    payout_batch_run(enqueue=False)
    one, many = Payout.objects.get(user_id="usr_a"), Payout.objects.get(user_id="usr_b")
    assert (one.row_count, many.row_count) == (1, 5)

    counts = []
    for payout in (one, many):
        with CaptureQueriesContext(connection) as captured:
            payout_fail(payout_id=payout.pk, reason="refused")
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]
    assert many.released_revenue.count() == 5


@pytest.mark.django_db
def test_a_payout_sent_twice_transfers_once(rails, run_batch):
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")
    batch = run_batch()
    payout = Payout.objects.get(batch=batch)

    payout_send(payout_id=payout.pk)
    payout_send(payout_id=payout.pk)

    assert len(rails.transfers) == 1
    assert rails.transferred() == 4000


@pytest.mark.django_db
def test_paypal_payouts_use_the_payout_id_as_sender_batch_id(rails, run_batch):
    payee_ready("usr_p", method="paypal")
    confirmed_sale(1, "usr_p")

    payout = Payout.objects.get(batch=run_batch())

    assert payout.status == "completed"
    batch = rails.paypal_batches[payout.public_id]
    assert batch["amount"] == {"value": "40.00", "currency": "USD"}
    assert payout.external_reference == batch["batch_header"]["payout_batch_id"]


@pytest.mark.django_db
def test_an_ach_payout_is_written_as_a_nacha_file(rails, run_batch):
    payee_ready("usr_b", method="ach")
    confirmed_sale(1, "usr_b")

    payout = Payout.objects.get(batch=run_batch())

    assert payout.status == "completed"
    lines = payout.nacha_entry.file.content.splitlines()
    assert len(lines) % 10 == 0 and all(len(line) == RECORD_SIZE for line in lines)
    entry = next(line for line in lines if line.startswith("6"))
    assert entry[3:12] == "011000015" and entry[29:39] == "0000004000"


@pytest.mark.django_db
def test_a_wire_waits_for_staff_to_mark_it_paid(rails, run_batch):
    payee_ready("usr_w", method="wire")
    confirmed_sale(1, "usr_w")

    payout = Payout.objects.get(batch=run_batch())
    assert payout.status == "processing"
    assert "DE89370400440532013000" in PayoutFile.objects.get(payout=payout).content
    assert set(creator_rows("usr_w").values_list("status", flat=True)) == {"confirmed"}

    payout_complete(payout_id=payout.pk, reference="wire ref 123")

    assert Payout.objects.get(pk=payout.pk).status == "completed"
    assert set(creator_rows("usr_w").values_list("status", flat=True)) == {"paid"}


@pytest.mark.django_db
def test_a_refund_after_payout_is_netted_from_the_next_payout(rails, run_batch):
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")
    run_batch()

    api.refund_record(RefundFactory(refund_id="ref_1", order_id="ord_1", order_item_id="oi_1",
                                    amount=5000))  # fmt: skip
    negative = EarnedRevenue.objects.get(kind="reversal", role="content-creator")
    assert (negative.status, negative.amount_minor) == ("confirmed", -2000)

    confirmed_sale(2, "usr_a", gross=20000)
    run_batch()

    latest = Payout.objects.filter(status="completed").order_by("-id").first()
    assert latest.amount_minor == 8000 - 2000
    assert rails.transferred() == 4000 + 6000


@pytest.mark.django_db
def test_a_negative_balance_is_not_paid_and_waits_for_new_earnings(rails, run_batch):
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")
    run_batch()
    api.refund_record(RefundFactory(refund_id="ref_1", order_id="ord_1", order_item_id="oi_1",
                                    amount=10000))  # fmt: skip

    run_batch()

    assert Payout.objects.count() == 1
    assert EarnedRevenue.objects.get(kind="reversal", role="content-creator").payout is None


@pytest.mark.django_db
def test_the_batch_issues_the_same_statements_for_1_or_30_accounts(settings):
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SECRET_KEY = ""

    def statements_of_a_batch() -> int:
        with CaptureQueriesContext(connection) as captured:
            from payouts.services import batches

            with pytest.MonkeyPatch.context() as patch:
                # Count the gathering only; the sends are separate tasks.
                patch.setattr(batches, "payouts_send_due", lambda **kwargs: 0)
                payout_batch_run()
        return len(captured)

    payee_ready("usr_0")
    confirmed_sale(0, "usr_0")
    one = statements_of_a_batch()
    for n in range(1, 31):
        payee_ready(f"usr_{n}")
        confirmed_sale(n, f"usr_{n}")
        confirmed_sale(100 + n, f"usr_{n}")
    assert statements_of_a_batch() == one
    assert PayoutBatch.objects.order_by("-id").first().row_count == 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_at_once_never_take_the_same_row(settings):
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SECRET_KEY = ""
    for n in range(20):
        payee_ready(f"usr_{n}")
        for k in range(5):
            confirmed_sale(n * 10 + k, f"usr_{n}")
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            payout_batch_run()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = EarnedRevenue.objects.filter(role="content-creator")
    assert rows.filter(status="paid").count() == 100
    total = sum(Payout.objects.filter(status="completed").values_list("amount_minor", flat=True))
    assert total == sum(rows.values_list("amount_minor", flat=True))


def _work_mem() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_gathering_has_its_own_work_mem_for_its_transaction_only(settings):
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYOUTS_BATCH_WORK_MEM = "48MB"
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")
    before = _work_mem()
    during_the_gathering = []

    def spy(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO payouts_batch_gather"):
            # The raw connection's cursor, so that this statement does not come back through here.
            with context["connection"].connection.cursor() as raw:
                raw.execute("SHOW work_mem")
                during_the_gathering.append(raw.fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        batch = payout_batch_run(enqueue=False)

    assert during_the_gathering == ["48MB"]
    assert before != "48MB"
    assert _work_mem() == before
    assert batch.row_count == 1


@pytest.mark.parametrize("value", ["lots", "32 MB", "32mb", "-1MB", "63kB", "2048GB", 33554432, ""])
@pytest.mark.django_db
def test_a_work_mem_postgresql_would_refuse_stops_the_batch_before_it_writes(settings, value):
    settings.PAYOUTS_BATCH_WORK_MEM = value
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")

    with pytest.raises(ImproperlyConfigured, match="PAYOUTS_BATCH_WORK_MEM: a size in kB"):
        payout_batch_run(enqueue=False)

    assert not PayoutBatch.objects.exists()
    assert not Payout.objects.exists()
    assert creator_rows("usr_a").get().status == "confirmed"


@pytest.mark.parametrize("value", ["64kB", "32MB", "2047GB"])
def test_a_work_mem_postgresql_reads_is_taken_as_it_is(settings, value):
    settings.PAYOUTS_BATCH_WORK_MEM = value

    assert conf.batch_work_mem() == value


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payout_task_delivered_twice_at_once_transfers_once(settings):
    with FakeRails(delay=0.3) as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        payee_ready("usr_a")
        confirmed_sale(1, "usr_a")
        batch = payout_batch_run(enqueue=False)
        payout = Payout.objects.get(batch=batch)
        barrier = threading.Barrier(2)
        errors = []

        def send():
            try:
                barrier.wait()
                payout_send(payout_id=payout.pk)
            except Exception as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert Payout.objects.get(pk=payout.pk).status == "completed"
        assert len(fake.transfers) == 1 and fake.transferred() == 4000
        assert EarnedRevenue.objects.get(role="content-creator").status == "paid"


@pytest.mark.django_db
def test_a_refused_paypal_payout_fails_with_the_reason(settings, run_batch):
    with FakeRails(refuse=("usr_p@example.com",)) as fake:
        settings.PAYPAL_API_BASE = fake.url
        payee_ready("usr_p", method="paypal")
        confirmed_sale(1, "usr_p")
        run_batch()

    payout = Payout.objects.get()
    assert payout.status == "failed"
    assert "Receiver is unregistered" in payout.failure_reason


@pytest.mark.django_db
def test_the_send_sweep_hands_a_lost_payout_over_again_only_after_its_grace_period(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PAYOUTS_SEND_GRACE_SECONDS = 60
    handed_over: list[int] = []
    # Stand in for the broker: record the tasks, deliver none of them (every message is lost).
    monkeypatch.setattr(
        "payouts.services.batches._enqueue_sends", lambda ids: handed_over.extend(ids)
    )
    for n in range(3):
        payee_ready(f"usr_{n}")
        confirmed_sale(n, f"usr_{n}")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_run(now=now)
    payouts = sorted(Payout.objects.values_list("id", flat=True))
    assert sorted(handed_over) == payouts

    handed_over.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert payouts_send_due(now=now + timedelta(seconds=59)) == 0
    assert handed_over == []

    Payout.objects.filter(pk=payouts[0]).update(status="completed")
    with django_capture_on_commit_callbacks(execute=True):
        assert payouts_send_due(now=now + timedelta(seconds=60)) == 2
    assert sorted(handed_over) == payouts[1:]
    assert set(Payout.objects.filter(pk__in=payouts[1:]).values_list("send_due_at", flat=True)) == {
        now + timedelta(seconds=120)
    }


@pytest.mark.django_db
def test_a_new_batch_hands_over_the_unfinished_payouts_of_earlier_batches_that_are_due(
    rails, run_batch, monkeypatch
):
    payee_ready("usr_0")
    confirmed_sale(0, "usr_0")
    with monkeypatch.context() as broker_down:
        broker_down.setattr("payouts.services.batches._enqueue_sends", lambda ids: None)
        run_batch()
    stranded = Payout.objects.get()
    assert stranded.status == "pending"

    # A later run (a redelivered batch task, or the next one) finds nothing new to gather but
    # sends the stranded payout once its grace period is over.
    run_batch(now=timezone.now() + timedelta(seconds=61))

    assert Payout.objects.get().status == "completed"
    assert len(rails.transfers) == 1


def test_beat_runs_the_send_sweep_every_minute_by_default():
    from datetime import timedelta as period

    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["payouts.resend-unfinished"]
    assert entry["task"] == "payouts.payouts_resend_unfinished"
    assert entry["schedule"] == period(seconds=60)
    assert settings.PAYOUTS_SEND_GRACE_SECONDS == 60
