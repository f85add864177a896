"""A payout batch survives a worker killed in the middle of it: every row paid exactly once."""

import pytest

from payouts.models import EarnedRevenue, Payout
from payouts.selectors.ledger import ledger_verify
from payouts.tasks import payout_batch_run, payouts_resend_unfinished
from payouts.tests.fake_rails import FakeRails
from payouts.tests.helpers import confirmed_sale, payee_ready
from tests.fixtures.celery_worker import start_worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

PAYEES = 30


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
            payouts_resend_unfinished.delay()
            wait_until(
                lambda: Payout.objects.filter(status="completed").count() == PAYEES,
                timeout=120,
                message="every payout completed after the rerun",
            )
        finally:
            second.stop()

        assert Payout.objects.count() == PAYEES
        rows = EarnedRevenue.objects.filter(role="content-creator")
        assert rows.filter(status="paid", payout__status="completed").count() == 2 * PAYEES
        assert len(rails.transfers) == PAYEES
        assert rails.transferred() == confirmed_total
    report = ledger_verify()
    assert report.ok, report.problems
