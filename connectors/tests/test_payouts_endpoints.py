"""POST /api/v1/webhooks/revenue-recorded and /course-completion: outside systems into payouts."""

from __future__ import annotations

import time

import pytest

from connectors.inbound.keys import connector_key_create
from connectors.models import InboundRequest
from connectors.tests.signing import signed_request
from payouts import api as payouts_api

REVENUE = "/api/v1/webhooks/revenue-recorded"
COMPLETION = "/api/v1/webhooks/course-completion"

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(db):
    return connector_key_create(name="commerce-platform")


def send(client, issued, path, document, **kwargs):
    kwargs.setdefault("key", issued.key)
    kwargs.setdefault("secrets", [issued.secret])
    return signed_request(client, "POST", path, document=document, **kwargs)


def error_of(response) -> dict:
    return response.json()["error"]


def revenue_body(**changes) -> dict:
    payload = {
        "orderId": "ord_123",
        "orderItemId": "oi_456",
        "courseId": "crs_abc",
        "contentCreatorId": "usr_creator",
        "instructorIds": ["usr_instructor"],
        "grossAmount": 199.00,
        "taxAmount": 0,
        "discountAmount": "0.00",
        "platformFee": 6.07,
        "netAmount": "192.93",
        "currency": "USD",
        "paidAt": "2025-01-14T10:00:00Z",
    }
    return {
        "source": "commerce-platform",
        "event": "payment.completed",
        "payload": {**payload, **changes},
    }


def completion_body(**changes) -> dict:
    payload = {
        "enrollmentId": "enr_xyz",
        "userId": "usr_learner",
        "courseId": "crs_abc",
        "instructorId": "usr_instructor",
        "contentCreatorId": "usr_creator",
        "completedAt": "2025-02-01T15:30:00Z",
        "grade": 92,
        "orderId": "ord_123",
        "orderItemId": "oi_456",
    }
    return {
        "source": "cadence-lms",
        "event": "enrollment.completed",
        "payload": {**payload, **changes},
    }


def shares() -> dict[str, tuple[int, str]]:
    sale = payouts_api.sale_earnings(order_id="ord_123", order_item_id="oi_456")
    return {line.role: (line.amount, line.status) for line in sale.lines}


def test_a_signed_revenue_recorded_splits_the_net_into_pending_earnings(client, issued):
    response = send(client, issued, REVENUE, revenue_body(), key_in="body")

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "orderId": "ord_123",
        "orderItemId": "oi_456",
        "revenueRecorded": True,
    }
    assert shares() == {
        "content-creator": (7717, "pending"),
        "instructor": (5788, "pending"),
        "platform": (5788, "pending"),
    }


def test_a_repeated_revenue_recorded_is_answered_again_with_no_second_effect(client, issued):
    first = send(client, issued, REVENUE, revenue_body())
    again = send(client, issued, REVENUE, revenue_body(grossAmount="199", platformFee="6.070"))

    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert InboundRequest.objects.count() == 1
    assert len(shares()) == 3


def test_a_revenue_recorded_repeated_with_another_amount_is_a_conflict(client, issued):
    send(client, issued, REVENUE, revenue_body())

    response = send(client, issued, REVENUE, revenue_body(grossAmount=299, netAmount="292.93"))

    assert response.status_code == 409
    assert error_of(response)["field"] == "payload.grossAmount"
    assert shares()["content-creator"] == (7717, "pending")


def test_a_signed_completion_confirms_the_creators_share_once_revenue_is_known(client, issued):
    # The completion first: payouts keeps it until the revenue arrives.
    first = send(client, issued, COMPLETION, completion_body())
    assert first.status_code == 200
    assert first.json()["revenueRecorded"] is False

    send(client, issued, REVENUE, revenue_body())
    again = send(client, issued, COMPLETION, completion_body())

    assert again.headers["Idempotent-Replayed"] == "true"
    assert shares()["content-creator"] == (7717, "confirmed")
    # No interaction was reported in the window after a completion of 2025: the platform's.
    assert shares()["instructor"] == (5788, "forfeited")


def test_a_completion_repeated_with_another_grade_is_a_conflict(client, issued):
    send(client, issued, COMPLETION, completion_body())

    response = send(client, issued, COMPLETION, completion_body(grade=40))

    assert response.status_code == 409
    assert error_of(response)["field"] == "payload.grade"


@pytest.mark.parametrize(
    ("how", "field"),
    [
        ({"secrets": ["cds_not_the_secret"]}, "X-Cadence-Signature"),
        ({"timestamp": int(time.time()) - 301}, "X-Cadence-Signature"),
        ({"key": None}, "apiKey"),
    ],
    ids=["bad-signature", "stale-timestamp", "no-key"],
)
@pytest.mark.parametrize(
    ("path", "body"), [(REVENUE, revenue_body()), (COMPLETION, completion_body())]
)
def test_an_unauthenticated_request_is_refused_and_writes_nothing(
    client, issued, how, field, path, body
):
    response = send(client, issued, path, body, **how)

    assert response.status_code == 401
    assert error_of(response)["field"] == field
    assert not InboundRequest.objects.exists()
    assert payouts_api.sale_earnings(order_id="ord_123", order_item_id="oi_456").lines == ()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**revenue_body(), "source": ""}, "source"),
        ({**revenue_body(), "event": "payment.failed"}, "event"),
        (revenue_body(orderId=None), "payload.orderId"),
        (revenue_body(orderItemId="oi 456"), "payload.orderItemId"),
        (revenue_body(courseId=""), "payload.courseId"),
        (revenue_body(contentCreatorId=[]), "payload.contentCreatorId"),
        (revenue_body(instructorIds="usr_1"), "payload.instructorIds"),
        (revenue_body(grossAmount="199.001"), "payload.grossAmount"),
        (revenue_body(grossAmount=True), "payload.grossAmount"),
        (revenue_body(taxAmount="-1.00", netAmount="193.93"), "payload.taxAmount"),
        (revenue_body(discountAmount="ten"), "payload.discountAmount"),
        (revenue_body(platformFee=None), "payload.platformFee"),
        # The spec's own example does not add up: 199.00 - 5.77 is 193.23, not 192.31.
        (revenue_body(platformFee=5.77, netAmount=192.31), "payload.netAmount"),
        (revenue_body(currency="XYZ"), "payload.currency"),
        (revenue_body(paidAt="yesterday"), "payload.paidAt"),
    ],
)
def test_each_invalid_field_of_a_revenue_recorded_is_named_and_nothing_is_written(
    client, issued, body, field
):
    response = send(client, issued, REVENUE, body)

    assert response.status_code == 400, response.json()
    assert error_of(response)["field"] == field
    assert not InboundRequest.objects.exists()
    assert payouts_api.sale_earnings(order_id="ord_123", order_item_id="oi_456").lines == ()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**completion_body(), "event": "enrollment.approved"}, "event"),
        (completion_body(enrollmentId=""), "payload.enrollmentId"),
        (completion_body(userId=None), "payload.userId"),
        (completion_body(courseId="crs abc"), "payload.courseId"),
        (completion_body(contentCreatorId=""), "payload.contentCreatorId"),
        (completion_body(instructorId="usr instructor"), "payload.instructorId"),
        (completion_body(completedAt="soon"), "payload.completedAt"),
        (completion_body(grade=101), "payload.grade"),
        (completion_body(orderId=""), "payload.orderId"),
        (completion_body(orderItemId=None), "payload.orderItemId"),
    ],
)
def test_each_invalid_field_of_a_course_completion_is_named_and_nothing_is_written(
    client, issued, body, field
):
    response = send(client, issued, COMPLETION, body)

    assert response.status_code == 400, response.json()
    assert error_of(response)["field"] == field
    assert not InboundRequest.objects.exists()
