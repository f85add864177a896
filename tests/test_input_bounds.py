"""Numbers a caller sends in a query never reach the database beyond what it can hold."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from commerce.tests.factories import priced_item
from lms.models import User
from lms.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Each list, and the demo user who has rows in it (an empty list never queries).
LISTS = [
    ("/api/v1/catalog/", "staff"), ("/api/v1/orders/", "learner"),
    ("/api/v1/payments/", "learner"), ("/api/v1/lms/courses/", "staff"),
    ("/api/v1/lms/enrollments/", "staff"), ("/api/v1/lms/submissions/", "staff"),
    ("/api/v1/lms/certificates/", "staff"), ("/api/v1/payouts/payouts/", "staff"),
    ("/api/v1/payouts/accounts/", "staff"),
]  # fmt: skip
HUGE = "9" * 30  # past 2**63 - 1, where SQLite and PostgreSQL stop


@pytest.fixture
def staff_client():
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    return client


QUERIES = [
    {"limit": HUGE}, {"offset": HUGE}, {"limit": HUGE, "offset": HUGE},
    {"limit": "9223372036854775807"}, {"offset": "9223372036854775807"}, {"offset": "-1"},
    {"limit": "1e9"},
]  # fmt: skip


def test_every_list_takes_any_limit_and_offset_without_crashing():
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    users = json.loads(out.getvalue())["users"]

    for path, who in LISTS:
        client = APIClient()
        client.force_authenticate(User.objects.get(public_id=users[who]))
        assert client.get(path).json()["count"] > 0, path
        for query in QUERIES:
            response = client.get(path, query)
            assert response.status_code == 200, (path, query, response.content)
            assert isinstance(response.json()["results"], list)


def test_a_huge_limit_is_capped_and_a_huge_offset_is_past_the_end(staff_client):
    priced_item("20.00")

    assert len(staff_client.get("/api/v1/catalog/", {"limit": HUGE}).json()["results"]) == 1
    assert staff_client.get("/api/v1/catalog/", {"offset": HUGE}).json()["results"] == []


# An id or a choice in a body longer than any the platform makes: refused on its field, not
# looked up, and not repeated back in the answer.
LONG_TEXT_BODIES = [
    ("/api/v1/cart/items/", {"catalogItemId": "x" * 100_000}, "catalogItemId"),
    ("/api/v1/payments/refunds/", {"orderItemId": "x" * 100_000}, "orderItemId"),
    (
        "/api/v1/lms/submissions/create/",
        {"enrollmentId": "x" * 100_000, "lessonId": 1},
        "enrollmentId",
    ),
]


@pytest.mark.parametrize(("path", "body", "field"), LONG_TEXT_BODIES)
def test_an_id_longer_than_any_is_refused_on_its_field_without_being_echoed(
    staff_client, path, body, field
):
    response = staff_client.post(path, body, format="json")

    assert response.status_code == 400, response.content[:300]
    assert field in [e["field"] for e in response.json()["error"]["errors"]]
    assert len(response.content) < 1_000


def test_a_test_processor_outcome_longer_than_any_is_refused(staff_client):
    response = staff_client.post(
        "/api/v1/checkout/payments/pay_unknown/confirm/", {"outcome": "x" * 100_000}, format="json"
    )

    assert response.status_code == 400
    assert len(response.content) < 1_000
