"""A person's bearer access token opens every context's API, next to the session; the payouts
API keeps reading signed connector keys."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.tests.factories import buy, priced_item
from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorScope
from connectors.tests.signing import signed_request
from lms.tests.factories import EnrollmentFactory, UserFactory
from payouts import api as payouts_api
from payouts.tests.factories import RevenueRecordedFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def lena():
    return UserFactory(username="lena", password=PASSWORD)


@pytest.fixture
def bearer(lena):
    pair = APIClient().post(
        reverse("lms:api_token"), {"username": "lena", "password": PASSWORD}, format="json"
    )
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.json()['access']}")
    return client


def test_bearer_reads_the_orders_list(bearer, lena):
    order, _ = buy(lena.public_id, priced_item())
    buy(UserFactory().public_id, priced_item())

    response = bearer.get(reverse("commerce:api-orders"))

    assert response.status_code == 200
    assert [row["orderId"] for row in response.json()["results"]] == [order.public_id]


def test_bearer_reads_the_enrollments_list(bearer, lena):
    mine = EnrollmentFactory(user=lena)
    EnrollmentFactory()

    response = bearer.get(reverse("lms:api_enrollments"))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.public_id]


def test_bearer_reads_the_payouts_list_of_its_own_rows(bearer, lena):
    payouts_api.revenue_record(
        RevenueRecordedFactory(order_item_id="oi_1", content_creator_id=lena.public_id)
    )
    payouts_api.revenue_record(
        RevenueRecordedFactory(order_item_id="oi_2", content_creator_id="usr_someone_else")
    )

    response = bearer.get(reverse("payouts:api-earned-revenue"))

    assert response.status_code == 200
    assert {row["userId"] for row in response.json()["results"]} == {lena.public_id}


def test_the_session_still_reads_the_same_lists(lena):
    session = APIClient()
    session.force_login(lena)

    for name in ("commerce:api-orders", "lms:api_enrollments", "payouts:api-earned-revenue"):
        assert session.get(reverse(name)).status_code == 200, name


def test_a_signed_connector_key_still_reads_the_payouts_list(client):
    issued = connector_key_create(name="finance-warehouse", scopes=[ConnectorScope.PAYOUTS_READ])

    response = signed_request(
        client,
        "GET",
        reverse("payouts:api-earned-revenue"),
        key=issued.key,
        secrets=[issued.secret],
    )

    assert response.status_code == 200


def test_a_bad_bearer_token_on_the_payouts_list_is_a_401_in_the_error_shape():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = client.get(reverse("payouts:api-earned-revenue"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
