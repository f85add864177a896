"""A payout batch survives a worker killed in the middle of it: every row paid exactly once, and
no payout waits for more than the send sweep's grace period and interval."""

import time

import pytest
from django.db.models import F

from cadence.celery import app
from payouts.models import EarnedRevenue, Payout
from payouts.selectors.ledger import ledger_verify
from payouts.tasks import payout_batch_run, payouts_resend_unfinished
from payouts.tests.fake_rails import FakeRails
from payouts.tests.helpers import confirmed_sale, payee_ready
from tests.fixtures.celery_worker import start_worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

PAYEES = 30
GRACE = 3  # seconds before the send sweep hands an unfinished payout over again
SWEEP_EVERY = 1  # seconds between two sweeps, as beat would run them


def sweep_until_every_payout_completed(timeout: float = 90) -> float:
    """Play beat's part, the send sweep every second and nothing else, until every payout is
    completed; how long that took."""
    started = time.monotonic()
    while Payout.objects.exclude(status="completed").exists():
        assert time.monotonic() - started < timeout, f"payouts unfinished after {timeout} s"
        payouts_resend_unfinished.delay()
        time.sleep(SWEEP_EVERY)
    return time.monotonic() - started


def test_killing_the_worker_mid_batch_then_rerunning_pays_every_row_exactly_once(
    celery_worker, tmp_path, monkeypatch
):
    for n in range(PAYEES):
        payee_ready(f"usr_{n}")
        confirmed_sale(2 * n, f"usr_{n}")
        confirmed_sale(2 * n + 1, f"usr_{n}")
    confirmed_total = sum(
        EarnedRevenue.objects.filter(role="content-creator").values_list("amount_minor", flat=True)
    )

    with FakeRails(delay=0.2) as rails:
        # The fixture's worker knows no Stripe; replace it with one that talks to the fake.
        celery_worker.kill()
        monkeypatch.setenv("STRIPE_API_BASE", rails.url)
        monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_fake")
        monkeypatch.setenv("PAYOUTS_SEND_GRACE_SECONDS", str(GRACE))
        first = start_worker(tmp_path / "worker-1.log", concurrency=2)
        try:
            payout_batch_run.delay()
            wait_until(
                lambda: Payout.objects.filter(status="completed").count() >= 5,
                timeout=60,
                message="some payouts sent before the crash",
            )
        finally:
            first.kill()
        assert Payout.objects.filter(status="completed").count() < PAYEES, "killed too late"

        second = start_worker(tmp_path / "worker-2.log", concurrency=2)
        try:
            payout_batch_run.delay()  # the rerun gathers nothing twice
            sweep_until_every_payout_completed()
        finally:
            second.stop()

        assert Payout.objects.count() == PAYEES
        rows = EarnedRevenue.objects.filter(role="content-creator")
        assert rows.filter(status="paid", payout__status="completed").count() == 2 * PAYEES
        assert len(rails.transfers) == PAYEES
        assert rails.transferred() == confirmed_total
    report = ledger_verify()
    assert report.ok, report.problems


def test_a_worker_killed_while_handing_payouts_over_delays_them_by_one_sweep_at_most(
    celery_worker, tmp_path, monkeypatch
):
    payouts = 120
    for n in range(payouts):
        payee_ready(f"usr_{n}")
        confirmed_sale(n, f"usr_{n}")

    with FakeRails() as rails:
        celery_worker.kill()
        monkeypatch.setenv("STRIPE_API_BASE", rails.url)
        monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_fake")
        monkeypatch.setenv("PAYOUTS_SEND_GRACE_SECONDS", str(GRACE))
        first = start_worker(tmp_path / "worker-1.log")
        try:
            payout_batch_run.delay()
            # The batch has committed and its payouts were claimed for sending: the worker is in
            # the loop that enqueues one send task per payout.
            wait_until(
                lambda: Payout.objects.filter(send_due_at__gt=F("created_at")).exists(),
                timeout=60,
                interval=0.001,
                message="the batch committed and its payouts handed over",
            )
        finally:
            first.kill()
        # Whatever it managed to enqueue is lost with it, as a broker may lose messages.
        app.control.purge()
        assert Payout.objects.count() == payouts
        assert Payout.objects.filter(status="completed").count() < payouts, "killed too late"

        second = start_worker(tmp_path / "worker-2.log")
        try:
            waited = sweep_until_every_payout_completed()
        finally:
            second.stop()

        public_ids = Payout.objects.values_list("public_id", flat=True)
        assert sorted(rails.transfers) == sorted(f"cadence-{p}" for p in public_ids)
    # The grace period and one sweep, plus the time it takes to send them all.
    assert waited < GRACE + SWEEP_EVERY + 30
    report = ledger_verify()
    assert report.ok, report.problems
