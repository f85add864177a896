import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from payouts import api
from payouts.models import EarnedRevenue
from payouts.rest_api.views import EarnedRevenueListApi
from payouts.tests.factories import RefundFactory, RevenueRecordedFactory
from payouts.tests.helpers import confirmed_sale, payee_ready

pytestmark = pytest.mark.django_db

URL = "/api/v1/payouts/earned-revenue/"


@pytest.fixture
def creator(django_user_model):
    return django_user_model.objects.create_user(username="creator", password="x")


@pytest.fixture
def staff(django_user_model):
    """Staff who may read every payee's rows in each list."""
    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="payouts",
        codename__in=["view_earnedrevenue", "view_payout", "view_payoutaccount",
                      "view_revenueshareconfig"]))  # fmt: skip
    return staff


def test_staff_without_the_view_permission_see_only_their_own_rows(client, django_user_model):
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_1", content_creator_id="usr_o"))
    clerk = django_user_model.objects.create_user(username="clerk", password="x", is_staff=True)
    client.force_login(clerk)

    for url in ("/api/v1/payouts/earned-revenue/", "/api/v1/payouts/payouts/",
                "/api/v1/payouts/accounts/"):  # fmt: skip
        assert client.get(url).json()["count"] == 0, url


def test_a_payee_sees_only_their_own_earned_revenue_as_decimal_strings(client, creator):
    api.revenue_record(RevenueRecordedFactory(order_id="ord_1", order_item_id="oi_1",
                                              content_creator_id=creator.public_id))  # fmt: skip
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_2", content_creator_id="usr_o"))
    client.force_login(creator)

    body = client.get(URL).json()

    assert body["count"] == 1
    assert body["results"][0] | {"earnedRevenueId": None, "holdUntil": None} == {
        "earnedRevenueId": None,
        "role": "content-creator",
        "kind": "share",
        "amount": "77.17",
        "currency": "USD",
        "status": "pending",
        "orderId": "ord_1",
        "orderItemId": "oi_1",
        "enrollmentId": "",
        "courseId": "crs_course",
        "userId": creator.public_id,
        "holdUntil": None,
        "confirmedAt": None,
        "paidAt": None,
        "payoutId": None,
    }


def test_staff_see_everyone_and_can_filter(client, staff):
    api.revenue_record(RevenueRecordedFactory(order_id="ord_1", order_item_id="oi_1"))
    api.revenue_record(RevenueRecordedFactory(order_id="ord_2", order_item_id="oi_2"))
    client.force_login(staff)

    assert client.get(URL).json()["count"] == 6
    assert client.get(URL, {"orderId": "ord_2"}).json()["count"] == 3
    assert client.get(URL, {"role": "platform"}).json()["count"] == 2
    assert client.get(URL, {"userId": "usr_creator", "status": "pending"}).json()["count"] == 2


def test_the_earned_revenue_list_answers_byte_for_byte_what_the_serializer_shows(
    client, staff, settings
):
    settings.STRIPE_API_BASE = ""
    # Pending shares with an instructor; a sale refunded in part (negative reversals); a sale in
    # yen and one in dinars; confirmed shares paid out in a batch (payout, dates set).
    api.revenue_record(RevenueRecordedFactory(order_id="ord_1", order_item_id="oi_1"))
    api.revenue_record(RevenueRecordedFactory(order_id="ord_2", order_item_id="oi_2"))
    api.refund_record(RefundFactory(order_id="ord_2", order_item_id="oi_2", amount=5001))
    payee_ready("usr_paid")
    confirmed_sale(3, "usr_paid", gross=12345)
    confirmed_sale(4, "usr_yen", gross=2500, currency="JPY")
    confirmed_sale(5, "usr_dinar", gross=12345, currency="BHD")
    from payouts.services.batches import payout_batch_run

    payout_batch_run(enqueue=False)
    rows = EarnedRevenue.objects.select_related("sale", "payout").order_by("-id")
    assert rows.filter(amount_minor__lt=0).exists() and rows.filter(payout__isnull=False).exists()
    assert {row.currency for row in rows} == {"USD", "JPY", "BHD"}
    client.force_login(staff)

    response = client.get(URL, {"limit": 1000})

    shown = EarnedRevenueListApi.OutputSerializer(rows, many=True).data
    expected = {"count": len(rows), "next": None, "previous": None, "results": shown}
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(expected)


def test_a_bad_filter_names_the_field(client, staff):
    client.force_login(staff)
    response = client.get(URL, {"status": "lost"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "status"


def test_anonymous_callers_are_refused(client):
    response = client.get(URL)
    # 401: the API says how to authenticate (a connector key) for systems without a session.
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Api-Key")


@pytest.mark.parametrize(
    "url",
    [URL, "/api/v1/payouts/payouts/", "/api/v1/payouts/accounts/",
     "/api/v1/payouts/revenue-share-configs/"],
)  # fmt: skip
def test_each_list_runs_the_same_queries_for_1_or_30_rows(client, staff, url, settings):
    settings.STRIPE_API_BASE = ""
    client.force_login(staff)

    def queries() -> int:
        # Every row on one page: a full page is counted (one more query), whatever its rows.
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"limit": 1000}).status_code == 200
        return len(captured)

    payee_ready("usr_0")
    confirmed_sale(0, "usr_0")
    from payouts.services.batches import payout_batch_run

    payout_batch_run(enqueue=False)
    one = queries()
    for n in range(1, 30):
        payee_ready(f"usr_{n}")
        confirmed_sale(n, f"usr_{n}")
    payout_batch_run(enqueue=False)
    assert queries() == one


def test_payouts_and_accounts_are_the_payees_own(client, creator, settings):
    settings.STRIPE_API_BASE = ""
    payee_ready(creator.public_id)
    payee_ready("usr_other")
    client.force_login(creator)

    accounts = client.get("/api/v1/payouts/accounts/").json()["results"]
    assert [a["userId"] for a in accounts] == [creator.public_id]
    assert accounts[0]["payoutMethod"] == "stripe-connect" and accounts[0]["verified"] is True
    configs = client.get("/api/v1/payouts/revenue-share-configs/").json()["results"]
    assert configs[0]["contentCreatorShare"] == "0.4000"
