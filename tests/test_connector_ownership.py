"""A connector key acts only on the orders, order items and enrollments its own system created:
never on what Cadence sold or enrolled, never on what another key's system created. A refusal is
a 403 naming the field, and writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors.inbound.keys import connector_key_create
from connectors.models import InboundRequest, OutsideRecord
from connectors.tests.signing import signed_request
from lms.models import Enrollment
from lms.tests.factories import CourseFactory, UserFactory
from payouts import api as payouts_api
from tests.lifecycle import course_for_sale, enrollment_of, learner, purchase

ENROLLMENT_REQUEST = "/api/v2/connectors/enrollment-request"
REVENUE = "/api/v1/webhooks/revenue-recorded"
COMPLETION = "/api/v1/webhooks/course-completion"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ours(transactional_db):
    return connector_key_create(name="commerce-platform")


@pytest.fixture
def theirs(transactional_db):
    return connector_key_create(name="another-platform")


@pytest.fixture
def cadence_sale(transactional_db):
    """An order item Cadence sold, enrolled by Cadence's LMS."""
    return purchase(learner(), course_for_sale()[1])


def send(client, issued, path, document):
    return signed_request(
        client, "POST", path, key=issued.key, secrets=[issued.secret], document=document
    )


def error_of(response) -> dict:
    return response.json()["error"]


def enrollment_request(order_id="ord_123", order_item_id="oi_456") -> dict:
    return {
        "source": "commerce-platform",
        "payload": {
            "orderId": order_id,
            "orderItemId": order_item_id,
            "userId": UserFactory().public_id,
            "courseId": CourseFactory().public_id,
            "purchaseMetadata": {
                "amount": "199.00",
                "currency": "USD",
                "purchaseDate": "2025-01-14T10:00:00Z",
            },
        },
    }


def revenue(order_id="ord_123", order_item_id="oi_456") -> dict:
    return {
        "source": "commerce-platform",
        "event": "payment.completed",
        "payload": {
            "orderId": order_id,
            "orderItemId": order_item_id,
            "courseId": "crs_abc",
            "contentCreatorId": "usr_creator",
            "grossAmount": "199.00",
            "platformFee": "6.07",
            "netAmount": "192.93",
            "currency": "USD",
            "paidAt": "2025-01-14T10:00:00Z",
        },
    }


def completion(enrollment_id="enr_outside", order_id="ord_123", order_item_id="oi_456") -> dict:
    return {
        "source": "outside-lms",
        "event": "enrollment.completed",
        "payload": {
            "enrollmentId": enrollment_id,
            "userId": "usr_learner",
            "courseId": "crs_abc",
            "contentCreatorId": "usr_creator",
            "completedAt": "2025-02-01T15:30:00Z",
            "grade": 92,
            "orderId": order_id,
            "orderItemId": order_item_id,
        },
    }


def refused(response, field: str) -> bool:
    assert response.status_code == 403, response.json()
    assert error_of(response)["code"] == "permission_denied"
    assert error_of(response)["field"] == field
    return True


def records_of(issued) -> set[tuple[str, str]]:
    return set(
        OutsideRecord.objects.filter(connector_key__name=issued.name).values_list(
            "kind", "record_id"
        )
    )


# --- what Cadence sold or enrolled -------------------------------------------------------------


def test_a_key_may_not_request_an_enrollment_for_an_order_cadence_sold(client, ours, cadence_sale):
    body = enrollment_request(cadence_sale.order.public_id, cadence_sale.public_id)
    enrollments = Enrollment.objects.count()

    response = send(client, ours, ENROLLMENT_REQUEST, body)

    assert refused(response, "payload.orderId")
    assert "enrollmentId" not in response.json()
    assert Enrollment.objects.count() == enrollments
    assert not InboundRequest.objects.exists() and not OutsideRecord.objects.exists()


def test_a_key_may_not_record_revenue_for_an_order_item_cadence_sold(client, ours, cadence_sale):
    sale = {"order_id": cadence_sale.order.public_id, "order_item_id": cadence_sale.public_id}
    before = payouts_api.sale_earnings(**sale)

    response = send(client, ours, REVENUE, revenue(**sale))

    assert refused(response, "payload.orderId")
    assert payouts_api.sale_earnings(**sale) == before
    assert not InboundRequest.objects.exists() and not OutsideRecord.objects.exists()


def test_a_key_may_not_complete_an_enrollment_cadences_lms_made(client, ours, cadence_sale):
    enrollment = enrollment_of(cadence_sale)
    sale = {"order_id": cadence_sale.order.public_id, "order_item_id": cadence_sale.public_id}
    before = payouts_api.sale_earnings(**sale)

    response = send(client, ours, COMPLETION, completion(enrollment.public_id, **sale))

    assert refused(response, "payload.enrollmentId")
    assert payouts_api.sale_earnings(**sale) == before
    assert not InboundRequest.objects.exists() and not OutsideRecord.objects.exists()


def test_a_key_may_not_confirm_a_cadence_sale_with_a_made_up_enrollment(client, ours, cadence_sale):
    sale = {"order_id": cadence_sale.order.public_id, "order_item_id": cadence_sale.public_id}
    before = payouts_api.sale_earnings(**sale)

    response = send(client, ours, COMPLETION, completion("enr_made_up", **sale))

    assert refused(response, "payload.orderId")
    assert payouts_api.sale_earnings(**sale) == before
    assert not OutsideRecord.objects.exists()


# --- what another key's system created ---------------------------------------------------------


def test_another_key_replaying_an_enrollment_request_learns_nothing_and_changes_nothing(
    client, ours, theirs
):
    body = enrollment_request()
    first = send(client, ours, ENROLLMENT_REQUEST, body)
    assert first.status_code == 201

    replayed = send(client, theirs, ENROLLMENT_REQUEST, body)

    assert refused(replayed, "payload.orderId")
    assert first.json()["enrollmentId"] not in replayed.content.decode()
    assert Enrollment.objects.filter(external_order_item_id="oi_456").count() == 1
    assert InboundRequest.objects.count() == 1
    assert records_of(theirs) == set()


def test_a_key_may_use_its_own_order_again_but_not_another_keys_order_item(client, ours, theirs):
    assert send(client, ours, ENROLLMENT_REQUEST, enrollment_request()).status_code == 201

    second_item = send(client, ours, ENROLLMENT_REQUEST, enrollment_request("ord_123", "oi_789"))
    their_order_our_item = send(
        client, theirs, ENROLLMENT_REQUEST, enrollment_request("ord_theirs", "oi_456")
    )

    assert second_item.status_code == 201
    assert refused(their_order_our_item, "payload.orderItemId")
    assert records_of(ours) == {
        ("order", "ord_123"),
        ("order_item", "oi_456"),
        ("order_item", "oi_789"),
    }
    assert records_of(theirs) == set()


def test_another_key_may_not_record_revenue_for_or_complete_what_this_key_created(
    client, ours, theirs
):
    assert send(client, ours, REVENUE, revenue()).status_code == 200
    assert send(client, ours, COMPLETION, completion()).status_code == 200
    shares = payouts_api.sale_earnings(order_id="ord_123", order_item_id="oi_456")

    assert refused(send(client, theirs, REVENUE, revenue()), "payload.orderId")
    assert refused(
        send(client, theirs, COMPLETION, completion("enr_outside", "ord_theirs", "oi_theirs")),
        "payload.enrollmentId",
    )
    assert refused(send(client, theirs, COMPLETION, completion("enr_theirs")), "payload.orderId")
    assert payouts_api.sale_earnings(order_id="ord_123", order_item_id="oi_456") == shares
    assert records_of(ours) == {
        ("order", "ord_123"),
        ("order_item", "oi_456"),
        ("enrollment", "enr_outside"),
    }
    assert records_of(theirs) == set()


def test_checking_whose_records_they_are_costs_the_same_queries_whatever_their_number(
    client, ours, theirs
):
    # The key's first request records its use; the two measured below do not.
    assert send(client, ours, REVENUE, revenue("ord_0", "oi_0")).status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert send(client, ours, REVENUE, revenue("ord_1", "oi_1")).status_code == 200
    for number in range(25):
        response = send(client, theirs, REVENUE, revenue(f"ord_t{number}", f"oi_t{number}"))
        assert response.status_code == 200

    with CaptureQueriesContext(connection) as many:
        assert send(client, ours, REVENUE, revenue("ord_2", "oi_2")).status_code == 200

    assert len(many) == len(few)
