import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payouts import api
from payouts.models import (
    EarnedRevenue,
    InstructorEngagement,
    InteractionRequirement,
    Payout,
    PayoutBatch,
)
from payouts.tests.factories import EnrollmentCompletedFactory, RevenueRecordedFactory
from payouts.tests.helpers import confirmed_sale, payee_ready, shares

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model, client):
    user = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="payouts"))
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "model",
    ["earnedrevenue", "sale", "payout", "payoutbatch", "payoutaccount", "taxinfo",
     "journaltransaction", "revenueshareconfig", "interactionrequirement",
     "instructorengagement"],
)  # fmt: skip
def test_every_payouts_admin_list_loads(client, staff, model):
    confirmed_sale(1, "usr_a")
    assert client.get(f"/admin/payouts/{model}/").status_code == 200


def test_staff_verify_an_interaction_by_hand_and_who_and_when_are_kept(client, staff):
    api.revenue_record(RevenueRecordedFactory(order_id="ord_1", order_item_id="oi_1"))
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    # Holding the share opened the engagement row that staff verify.
    engagement = InstructorEngagement.objects.get(enrollment_id="enr_1")
    assert shares()[("instructor", "usr_instructor")][0] == "held"
    held = EarnedRevenue.objects.get(status=EarnedRevenue.Status.HELD)
    page = client.get(f"/admin/payouts/earnedrevenue/{held.pk}/change/").content.decode()
    assert "Waiting for interaction" in page

    client.post("/admin/payouts/instructorengagement/", {
        "action": "verify_manually", "_selected_action": [engagement.pk],
    })  # fmt: skip

    engagement = InstructorEngagement.objects.get(pk=engagement.pk)
    assert engagement.manually_verified and engagement.verified_by == "ops"
    assert engagement.verified_at is not None
    assert shares()[("instructor", "usr_instructor")][0] == "confirmed"


def test_the_earned_revenue_list_costs_the_same_queries_however_many_rows_are_held(
    client, staff, django_assert_max_num_queries
):
    def hold(n: int) -> None:
        api.revenue_record(RevenueRecordedFactory(order_id=f"ord_{n}", order_item_id=f"oi_{n}"))
        api.enrollment_completion_record(
            EnrollmentCompletedFactory(order_id=f"ord_{n}", order_item_id=f"oi_{n}",
                                       enrollment_id=f"enr_{n}")
        )  # fmt: skip

    hold(0)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/admin/payouts/earnedrevenue/").status_code == 200
    for n in range(1, 20):
        hold(n)
    assert EarnedRevenue.objects.filter(status=EarnedRevenue.Status.HELD).count() == 20
    with django_assert_max_num_queries(len(one)):
        assert client.get("/admin/payouts/earnedrevenue/").status_code == 200


def test_the_engagement_list_shows_eligibility_in_the_same_queries_however_many_rows(
    client, staff, django_assert_max_num_queries
):
    def hold(n: int) -> None:
        item = {"order_id": f"ord_{n}", "order_item_id": f"oi_{n}"}
        api.revenue_record(RevenueRecordedFactory(course_id=f"crs_{n}", **item))
        api.enrollment_completion_record(
            EnrollmentCompletedFactory(course_id=f"crs_{n}", enrollment_id=f"enr_{n}", **item)
        )

    hold(0)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/admin/payouts/instructorengagement/").status_code == 200
    for n in range(1, 20):
        hold(n)
    # Course crs_7 asks for no interaction at all: its instructor is eligible as things stand.
    InteractionRequirement.objects.create(
        course_id="crs_7", discussion_replies=0, assignments_graded=0, live_session_minutes=0
    )
    assert InstructorEngagement.objects.count() == 20
    with django_assert_max_num_queries(len(one)):
        page = client.get("/admin/payouts/instructorengagement/").content.decode()
    # Only the eligible column shows a "yes": nobody was verified by hand.
    assert page.count('alt="True"') == 1


def test_run_a_batch_now_from_the_admin(client, staff, settings):
    settings.STRIPE_API_BASE = ""
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")

    client.post("/admin/payouts/payoutbatch/run-now/")

    assert PayoutBatch.objects.get().payout_count == 1
    assert Payout.objects.get().amount_minor == 4000


def test_the_ledger_check_from_the_admin(client, staff):
    confirmed_sale(1, "usr_a")
    from payouts.models import JournalTransaction

    response = client.post("/admin/payouts/journaltransaction/", {
        "action": "check_ledger",
        "_selected_action": [JournalTransaction.objects.first().pk],
    }, follow=True)  # fmt: skip
    assert "The ledger balances" in response.content.decode()


def test_staff_mark_a_wire_payout_paid(client, staff, django_capture_on_commit_callbacks):
    payee_ready("usr_w", method="wire")
    confirmed_sale(1, "usr_w")
    from payouts.services.batches import payout_batch_run

    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_run()
    payout = Payout.objects.get()
    assert payout.status == "processing"

    client.post("/admin/payouts/payout/", {
        "action": "mark_wire_paid", "_selected_action": [payout.pk],
    })  # fmt: skip

    assert Payout.objects.get().status == "completed"


def test_a_failed_payouts_page_lists_the_rows_it_held_and_where_they_went(client, staff):
    from payouts.services.batches import payout_batch_run, payout_fail

    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")
    confirmed_sale(2, "usr_a")
    payout_batch_run(enqueue=False)
    failed = payout_fail(payout_id=Payout.objects.get().pk, reason="No such destination")
    payout_batch_run(enqueue=False)
    retry = Payout.objects.exclude(pk=failed.pk).get()

    page = client.get(f"/admin/payouts/payout/{failed.pk}/change/").content.decode()

    for row in EarnedRevenue.objects.filter(user_id="usr_a"):
        assert row.public_id in page
    assert "ord_1/oi_1" in page and "ord_2/oi_2" in page
    assert f"{retry.public_id} (Pending)" in page
    retry_page = client.get(f"/admin/payouts/payout/{retry.pk}/change/").content.decode()
    assert "Now in payout" not in retry_page
