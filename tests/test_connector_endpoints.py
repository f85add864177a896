"""The spec's connector endpoints over HTTP: signed, idempotent, every field checked."""

from __future__ import annotations

import time

import pytest

from commerce.models import OrderItem, Refund
from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey, ConnectorScope, InboundRequest, OutsideRecord
from connectors.tests.signing import signed_request
from lms.models import Course, CourseInstructor, Enrollment, User
from lms.tests.factories import CourseFactory, UserFactory
from tests.lifecycle import course_for_sale, enrollment_of, learner, purchase

ENROLLMENT_REQUEST = "/api/v2/connectors/enrollment-request"
ENROLLMENT_STATUS = "/api/v1/webhooks/enrollment-status"

# Transactional: the in-process connectors deliver after commit, as they do in life.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issued(transactional_db):
    return connector_key_create(name="commerce-platform")


def send(client, issued, path, document, **kwargs):
    kwargs.setdefault("key", issued.key)
    kwargs.setdefault("secrets", [issued.secret])
    return signed_request(client, "POST", path, document=document, **kwargs)


def error_of(response) -> dict:
    return response.json()["error"]


# --- POST /api/v2/connectors/enrollment-request -----------------------------------------------


@pytest.fixture
def request_body(transactional_db):
    user = UserFactory()
    course = CourseFactory()
    instructor = CourseInstructor.objects.create(course=course, instructor=UserFactory())
    return {
        "source": "commerce-platform",
        "payload": {
            "orderId": "ord_123",
            "orderItemId": "oi_456",
            "userId": user.public_id,
            "courseId": course.public_id,
            "instructorId": instructor.instructor.public_id,
            "approvalStatus": "pending",
            "autoApprove": False,
            "purchaseMetadata": {
                "amount": 199.00,
                "currency": "USD",
                "purchaseDate": "2025-01-14T10:00:00Z",
            },
        },
    }


def with_payload(body: dict, **changes) -> dict:
    return {**body, "payload": {**body["payload"], **changes}}


def with_purchase(body: dict, **changes) -> dict:
    purchase = {**body["payload"]["purchaseMetadata"], **changes}
    return with_payload(body, purchaseMetadata=purchase)


def test_a_signed_enrollment_request_creates_a_pending_enrollment(client, issued, request_body):
    response = send(client, issued, ENROLLMENT_REQUEST, request_body, key_in="body")

    assert response.status_code == 201
    enrollment = Enrollment.objects.get()
    assert response.json() == {
        "success": True,
        "enrollmentId": enrollment.public_id,
        "status": "pending",
        "message": "Enrollment created, pending approval",
    }
    assert enrollment.state == Enrollment.State.PENDING
    assert (enrollment.external_order_id, enrollment.external_order_item_id) == (
        "ord_123",
        "oi_456",
    )
    assert (enrollment.purchase_amount_minor, enrollment.purchase_currency) == (19900, "USD")
    assert enrollment.instructor.public_id == request_body["payload"]["instructorId"]


def test_a_repeated_enrollment_request_gets_the_same_answer_and_creates_nothing_more(
    client, issued, request_body
):
    first = send(client, issued, ENROLLMENT_REQUEST, request_body)
    # The same amount written as a decimal string is the same request.
    again = send(client, issued, ENROLLMENT_REQUEST, with_purchase(request_body, amount="199.00"))

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.count() == 1


def test_an_enrollment_request_repeated_with_another_amount_is_a_conflict(
    client, issued, request_body
):
    send(client, issued, ENROLLMENT_REQUEST, request_body)

    response = send(client, issued, ENROLLMENT_REQUEST, with_purchase(request_body, amount=99))

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_conflict"
    assert error_of(response)["field"] == "payload.purchaseMetadata.amount"
    assert Enrollment.objects.get().purchase_amount_minor == 19900


@pytest.mark.parametrize(
    ("how", "field"),
    [
        ({"secrets": ["cds_not_the_secret"]}, "X-Cadence-Signature"),
        ({"timestamp": int(time.time()) - 301}, "X-Cadence-Signature"),
        ({"secrets": []}, "X-Cadence-Signature"),
        ({"key": None}, "apiKey"),
    ],
    ids=["bad-signature", "stale-timestamp", "no-signature", "no-key"],
)
@pytest.mark.parametrize("path", [ENROLLMENT_REQUEST, ENROLLMENT_STATUS])
def test_an_unauthenticated_request_is_refused_and_writes_nothing(
    client, issued, request_body, how, field, path
):
    response = send(client, issued, path, request_body, **how)

    assert response.status_code == 401
    assert error_of(response)["field"] == field
    assert not Enrollment.objects.exists()
    assert not InboundRequest.objects.exists()


def test_a_key_that_may_only_read_payouts_may_not_request_an_enrollment(client, request_body):
    reader = connector_key_create(name="finance-warehouse", scopes=[ConnectorScope.PAYOUTS_READ])

    response = send(client, reader, ENROLLMENT_REQUEST, request_body)

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "field": "apiKey",
            "message": "this key may not call the connector endpoints: "
            "it lacks the 'connectors' scope",
        }
    }
    assert not Enrollment.objects.exists()
    assert not InboundRequest.objects.exists()
    assert ConnectorKey.objects.get(name=reader.name).last_used_at is None


AMOUNT = "payload.purchaseMetadata.amount"
INVALID_REQUESTS = [
    (lambda b: {k: v for k, v in b.items() if k != "source"}, 400, "source"),
    (lambda b: {k: v for k, v in b.items() if k != "payload"}, 400, "payload"),
    (lambda b: with_payload(b, orderId=""), 400, "payload.orderId"),
    (lambda b: with_payload(b, orderItemId="oi 456"), 400, "payload.orderItemId"),
    # A NUL or a lone surrogate in an id (json.dumps escapes both): refused by its pattern alone.
    (lambda b: with_payload(b, orderItemId="oi\x00456"), 400, "payload.orderItemId"),
    (lambda b: with_payload(b, orderItemId="oi_\ud800"), 400, "payload.orderItemId"),
    (lambda b: with_payload(b, orderId="o" * 100_000), 400, "payload.orderId"),
    (lambda b: with_payload(b, userId=None), 400, "payload.userId"),
    (lambda b: with_payload(b, userId="usr_nobody"), 404, "payload.userId"),
    (lambda b: with_payload(b, courseId=12), 404, "payload.courseId"),
    (lambda b: with_payload(b, courseId="crs_nothing"), 404, "payload.courseId"),
    (lambda b: with_payload(b, instructorId="usr_stranger"), 400, "payload.instructorId"),
    (lambda b: with_payload(b, approvalStatus="approved"), 400, "payload.approvalStatus"),
    (lambda b: with_payload(b, autoApprove="perhaps"), 400, "payload.autoApprove"),
    (lambda b: with_payload(b, purchaseMetadata=None), 400, "payload.purchaseMetadata"),
    (lambda b: with_purchase(b, amount="199.001"), 400, "payload.purchaseMetadata.amount"),
    (lambda b: with_purchase(b, amount=True), 400, "payload.purchaseMetadata.amount"),
    (lambda b: with_purchase(b, amount="lots"), 400, "payload.purchaseMetadata.amount"),
    # Past the maximum amount (1,000,000,000.00 USD): refused, never a 500 or a huge integer.
    (lambda b: with_purchase(b, amount=1e308), 400, "payload.purchaseMetadata.amount"),
    (lambda b: with_purchase(b, amount=10**30), 400, "payload.purchaseMetadata.amount"),
    (lambda b: with_purchase(b, amount="1e1000000"), 400, "payload.purchaseMetadata.amount"),
    (lambda b: with_purchase(b, amount="92233720368547758.07"), 400, AMOUNT),
    (lambda b: with_purchase(b, currency="XYZ"), 400, "payload.purchaseMetadata.currency"),
    (lambda b: with_purchase(b, purchaseDate="soon"), 400, "payload.purchaseMetadata.purchaseDate"),
]


@pytest.mark.parametrize(("change", "status", "field"), INVALID_REQUESTS)
def test_each_invalid_field_of_an_enrollment_request_is_named_and_nothing_is_written(
    client, issued, request_body, change, status, field
):
    response = send(client, issued, ENROLLMENT_REQUEST, change(request_body))

    assert response.status_code == status, response.json()
    assert error_of(response)["field"] == field
    assert error_of(response)["message"]
    assert not Enrollment.objects.exists()
    assert not InboundRequest.objects.exists()


def test_a_corrected_request_after_a_refusal_is_a_first_request(client, issued, request_body):
    send(client, issued, ENROLLMENT_REQUEST, with_payload(request_body, userId="usr_nobody"))

    response = send(client, issued, ENROLLMENT_REQUEST, request_body)

    assert response.status_code == 201
    assert Enrollment.objects.count() == 1


@pytest.mark.parametrize(
    ("refusal", "field", "code"),
    [
        ("archived course", "payload.courseId", "unavailable"),
        ("deactivated user", "payload.userId", "deactivated"),
    ],
)
def test_a_refusal_for_good_is_answered_with_its_error_and_refunds_nothing(
    client, issued, request_body, refusal, field, code
):
    # An outside commerce system decides itself what to do about it; only a payment made here
    # is refunded by the connector.
    if refusal == "archived course":
        Course.objects.filter(public_id=request_body["payload"]["courseId"]).update(
            status="archived"
        )
    else:
        User.objects.filter(public_id=request_body["payload"]["userId"]).update(is_active=False)

    response = send(client, issued, ENROLLMENT_REQUEST, request_body)

    assert response.status_code == 400
    assert (error_of(response)["field"], error_of(response)["code"]) == (field, code)
    assert not Enrollment.objects.exists()
    assert not InboundRequest.objects.exists()
    assert not Refund.objects.exists()


# --- POST /api/v1/webhooks/enrollment-status --------------------------------------------------


@pytest.fixture
def paid_item(transactional_db):
    return purchase(learner(), course_for_sale()[1])


def status_body(order_item: OrderItem, event: str = "enrollment.approved", **changes) -> dict:
    decision = "approved" if event == "enrollment.approved" else "rejected"
    payload = {
        "enrollmentId": "enr_xyz",
        "orderId": order_item.order.public_id,
        "orderItemId": order_item.public_id,
        "status": decision,
        f"{decision}At": "2025-01-14T10:05:00Z",
        f"{decision}By": "auto-approval",
    }
    if decision == "rejected":
        payload["reason"] = "Prerequisite missing"
    return {"source": "cadence-lms", "event": event, "payload": {**payload, **changes}}


def fulfilment(order_item: OrderItem) -> str:
    return OrderItem.objects.get(pk=order_item.pk).fulfilment


def nothing_written(order_item: OrderItem) -> bool:
    return (
        fulfilment(order_item) == OrderItem.Fulfilment.PENDING
        and not Refund.objects.filter(order_item=order_item).exists()
        and not InboundRequest.objects.exists()
        and not OutsideRecord.objects.exists()
    )


@pytest.mark.parametrize("event", ["enrollment.approved", "enrollment.rejected"])
def test_a_key_may_not_report_the_status_of_an_order_item_cadence_sold(
    client, issued, paid_item, event
):
    # The audit's case: a made-up enrollment id refunded a Cadence sale and ended its enrollment.
    enrollment = enrollment_of(paid_item)

    response = send(client, issued, ENROLLMENT_STATUS, status_body(paid_item, event))

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "field": "payload.orderId",
        "message": f"order {paid_item.order.public_id} was sold by Cadence, which reports on it "
        "itself; a key acts only on orders its own system created",
    }
    assert nothing_written(paid_item)
    assert Enrollment.objects.get(pk=enrollment.pk).state == enrollment.state


def test_a_key_may_not_report_on_an_enrollment_cadences_lms_made(client, issued, paid_item):
    enrollment = enrollment_of(paid_item)
    body = status_body(paid_item, "enrollment.rejected", enrollmentId=enrollment.public_id)

    response = send(client, issued, ENROLLMENT_STATUS, body)

    assert response.status_code == 403
    assert error_of(response)["field"] == "payload.enrollmentId"
    assert "made by Cadence's LMS" in error_of(response)["message"]
    assert nothing_written(paid_item)


def test_a_key_may_not_reach_a_cadence_order_item_under_an_order_id_of_its_own(
    client, issued, paid_item
):
    body = status_body(paid_item, "enrollment.rejected", orderId="ord_of_the_caller")

    response = send(client, issued, ENROLLMENT_STATUS, body)

    assert response.status_code == 403
    assert error_of(response)["field"] == "payload.orderItemId"
    assert nothing_written(paid_item)


INVALID_STATUSES = [
    (lambda b: {k: v for k, v in b.items() if k != "source"}, 400, "source"),
    (lambda b: {**b, "event": "enrollment.completed"}, 400, "event"),
    (lambda b: {**b, "payload": {**b["payload"], "status": "rejected"}}, 400, "payload.status"),
    (lambda b: {**b, "payload": {**b["payload"], "enrollmentId": ""}}, 400, "payload.enrollmentId"),
    (
        lambda b: {
            **b,
            "payload": {**b["payload"], "orderId": "ord_unknown", "orderItemId": "oi_unknown"},
        },
        404,
        "payload.orderItemId",
    ),
    (
        lambda b: {**b, "payload": {**b["payload"], "approvedAt": "yesterday"}},
        400,
        "payload.approvedAt",
    ),
]


@pytest.mark.parametrize(("change", "status", "field"), INVALID_STATUSES)
def test_each_invalid_field_of_an_enrollment_status_is_named_and_nothing_is_written(
    client, issued, paid_item, change, status, field
):
    response = send(client, issued, ENROLLMENT_STATUS, change(status_body(paid_item)))

    assert response.status_code == status, response.json()
    assert error_of(response)["field"] == field
    assert nothing_written(paid_item)
