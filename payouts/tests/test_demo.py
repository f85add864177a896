"""The demo's payees and payout run."""

import pytest

from payouts import api
from payouts.models import Payout, PayoutAccount, PayoutBatch, TaxInfo
from payouts.tests.helpers import confirmed_sale

pytestmark = pytest.mark.django_db


def test_demo_payees_get_a_verified_account_and_tax_info_once():
    api.seed_demo_payees(user_ids=["usr_c", "usr_i"])
    first = list(PayoutAccount.objects.order_by("pk").values_list("pk", "verified_at"))
    api.seed_demo_payees(user_ids=["usr_c", "usr_i"])

    assert list(PayoutAccount.objects.order_by("pk").values_list("pk", "verified_at")) == first
    assert all(verified_at is not None for _, verified_at in first)
    assert TaxInfo.objects.filter(is_complete=True).count() == 2


def test_the_demo_runs_a_batch_only_when_something_is_due(django_capture_on_commit_callbacks):
    api.seed_demo_payees(user_ids=["usr_c"])
    assert api.seed_demo_payout_run() is None
    assert not PayoutBatch.objects.exists()

    confirmed_sale(1, "usr_c")
    with django_capture_on_commit_callbacks(execute=True):
        run = api.seed_demo_payout_run()

    assert (run.payout_count, run.row_count) == (1, 1)
    assert Payout.objects.get().status == Payout.Status.COMPLETED
    assert api.seed_demo_payout_run() is None
    assert PayoutBatch.objects.count() == 1


def test_the_demo_runs_no_batch_for_revenue_no_payee_can_be_paid_yet():
    # Confirmed and past its hold, but the payee has no payout account: nothing to gather.
    confirmed_sale(1, "usr_unready")

    assert api.seed_demo_payout_run() is None
    assert not PayoutBatch.objects.exists()
