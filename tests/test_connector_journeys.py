"""The spec's four connectors over HTTP, with the spec's payloads, in every order of arrival.

Each body is the spec's JSON (Connectors 1-4) with the ids of people, courses and orders that
exist here, the amounts of its worked example ($199.00 less the 2.9% + $0.30 fee of $6.07 is
$192.93, split 40/30/30) and its dates moved to recent days (the approval five minutes after the
sale, the completion now), so that no forfeit window has closed. Every request is sent twice.
Whatever the order, the sale ends with the creator's 77.17 confirmed by the completion, the
instructor's 57.88 held for an interaction and the platform's 57.88 confirmed, and the
reconciliation and the ledger check find nothing wrong.

A key acts only on what its own system created: an outside commerce system sends Connectors 1 and
4 about its own sales and hears Connector 2 back as a signed webhook, while Cadence's LMS reports
completions of its own enrollments (Connector 3) itself; an outside LMS reports completions of
its enrollments over HTTP. What Cadence sold or enrolled is refused to every key.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey, OutboxDelivery, OutboxEvent, WebhookDelivery
from connectors.outbox.services import outbox_deliver_pending_now, outbox_delivery_replay
from connectors.tests.factories import WebhookSubscriptionFactory
from connectors.tests.signing import signed_request
from lms.models import Enrollment
from lms.services import enrollment_approve, enrollment_complete
from lms.tests.factories import StaffFactory
from payouts import api as payouts_api
from tests.lifecycle import course_for_sale, enrollment_of, learner, purchase
from tests.test_lifecycle import nothing_wrong

ENROLLMENT_REQUEST = "/api/v2/connectors/enrollment-request"
ENROLLMENT_STATUS = "/api/v1/webhooks/enrollment-status"
COURSE_COMPLETION = "/api/v1/webhooks/course-completion"
REVENUE_RECORDED = "/api/v1/webhooks/revenue-recorded"

# Transactional: the in-process connectors deliver after commit, as they do in life.
pytestmark = pytest.mark.django_db(transaction=True)

THE_SPEC_SPLIT = {
    "content-creator": (7717, "confirmed"),
    "instructor": (5788, "held"),
    "platform": (5788, "confirmed"),
}


@pytest.fixture
def issued(transactional_db):
    issued = connector_key_create(name="commerce-platform")
    # 24 orders of eight requests each, in well under a minute.
    ConnectorKey.objects.filter(name=issued.name).update(requests_per_minute=1000)
    return issued


def split(order_id: str, order_item_id: str) -> dict[str, tuple[int, str]]:
    """Per role, what its rows hold now and in which states (money passed on holds nothing)."""
    sale = payouts_api.sale_earnings(order_id=order_id, order_item_id=order_item_id)
    found: dict[str, list] = defaultdict(lambda: [0, set()])
    for line in sale.lines:
        if line.status in {"reassigned", "forfeited"}:
            continue
        found[line.role][0] += line.amount
        found[line.role][1].add(line.status)
    return {role: (amount, ",".join(sorted(states))) for role, (amount, states) in found.items()}


def payees(order_id: str, order_item_id: str) -> set[tuple[str, str]]:
    sale = payouts_api.sale_earnings(order_id=order_id, order_item_id=order_item_id)
    return {(line.role, line.user_id) for line in sale.lines if line.status != "reassigned"}


def no_dead_letters() -> None:
    stuck = OutboxDelivery.objects.exclude(status=OutboxDelivery.Status.DELIVERED).exclude(
        consumer__startswith="webhooks:"
    )
    assert not stuck.exists(), list(stuck.values_list("consumer", "status", "last_error"))


def spec_bodies(*, order_id, order_item_id, enrollment_id, learner_id, course, instructor_id,
                paid_at: datetime) -> dict[str, tuple[str, dict]]:  # fmt: skip
    """The spec's four bodies, with ids that exist here and the worked example's amounts."""
    creator_id = course.content_creator.public_id
    now = timezone.now()
    return {
        "connector-1": (
            ENROLLMENT_REQUEST,
            {
                "source": "commerce-platform",
                "payload": {
                    "orderId": order_id,
                    "orderItemId": order_item_id,
                    "userId": learner_id,
                    "courseId": course.public_id,
                    "instructorId": instructor_id,
                    "approvalStatus": "pending",
                    "autoApprove": True,
                    "purchaseMetadata": {
                        "amount": 199.00,
                        "currency": "USD",
                        "purchaseDate": paid_at.isoformat(),
                    },
                },
            },
        ),
        "connector-2": (
            ENROLLMENT_STATUS,
            {
                "source": "cadence-lms",
                "event": "enrollment.approved",
                "payload": {
                    "enrollmentId": enrollment_id,
                    "orderId": order_id,
                    "orderItemId": order_item_id,
                    "status": "approved",
                    "approvedAt": min(paid_at + timedelta(minutes=5), now).isoformat(),
                    "approvedBy": "auto-approval",
                },
            },
        ),
        "connector-3": (
            COURSE_COMPLETION,
            {
                "source": "cadence-lms",
                "event": "enrollment.completed",
                "payload": {
                    "enrollmentId": enrollment_id,
                    "userId": learner_id,
                    "courseId": course.public_id,
                    "instructorId": instructor_id,
                    "contentCreatorId": creator_id,
                    "completedAt": now.isoformat(),
                    "grade": 92,
                    "orderId": order_id,
                    "orderItemId": order_item_id,
                },
            },
        ),
        "connector-4": (
            REVENUE_RECORDED,
            {
                "source": "commerce-platform",
                "event": "payment.completed",
                "payload": {
                    "orderId": order_id,
                    "orderItemId": order_item_id,
                    "courseId": course.public_id,
                    "contentCreatorId": creator_id,
                    "grossAmount": 199.00,
                    "netAmount": 192.93,
                    "platformFee": 6.07,
                    "currency": "USD",
                    "paidAt": paid_at.isoformat(),
                },
            },
        ),
    }


def send_twice(client, issued, path: str, body: dict) -> None:
    first = signed_request(client, "POST", path, key=issued.key, secrets=[issued.secret],
                           document=body)  # fmt: skip
    again = signed_request(client, "POST", path, key=issued.key, secrets=[issued.secret],
                           document=body)  # fmt: skip
    assert first.status_code in (200, 201), (path, first.json())
    assert (again.status_code, again.json()) == (first.status_code, first.json())


def test_no_key_reports_on_a_sale_made_here_and_the_lms_still_ends_it_in_the_spec_split(
    client, issued
):
    course, item = course_for_sale("199.00")
    instructor = course.assignments.get().instructor
    order_item = purchase(learner(), item)
    enrollment = enrollment_of(order_item)
    paid = OutboxEvent.objects.get(
        event_type="cadence.commerce.order.paid.v1",
        payload__order_id=order_item.order.public_id,
    )
    bodies = spec_bodies(
        order_id=order_item.order.public_id,
        order_item_id=order_item.public_id,
        enrollment_id=enrollment.public_id,
        learner_id=enrollment.user.public_id,
        course=course,
        instructor_id=instructor.public_id,
        paid_at=datetime.fromisoformat(paid.payload["paid_at"]),
    )
    ids = (order_item.order.public_id, order_item.public_id)
    before = split(*ids)

    for connector in ["connector-1", "connector-2", "connector-3", "connector-4"]:
        for _ in range(2):
            path, body = bodies[connector]
            answer = signed_request(client, "POST", path, key=issued.key,
                                    secrets=[issued.secret], document=body)  # fmt: skip
            assert answer.status_code == 403, (connector, answer.json())
            assert answer.json()["error"]["field"] in {
                "payload.orderId", "payload.enrollmentId"
            }  # fmt: skip
    assert split(*ids) == before
    assert enrollment_of(order_item).state == Enrollment.State.PENDING

    # The LMS itself approves (assigning the course's instructor) and completes it.
    staff = StaffFactory()
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    enrollment_complete(enrollment=enrollment_of(order_item), grade=92, actor=staff)

    assert split(*ids) == THE_SPEC_SPLIT
    assert ("instructor", instructor.public_id) in payees(*ids)
    no_dead_letters()
    nothing_wrong()


def _twice(delivery_ids: list[int]) -> None:
    """Deliver the in-process connectors' events of a step once more (a redelivery)."""
    outbox_delivery_replay(delivery_ids=delivery_ids)
    outbox_deliver_pending_now()


def _lms_step(step: str, staff) -> None:
    enrollment = Enrollment.objects.get(external_order_item_id="oi_456")
    seen = set(OutboxDelivery.objects.values_list("pk", flat=True))
    if step == "lms-approves":  # Connector 2 goes back to the outside system as a webhook
        enrollment_approve(enrollment=enrollment, actor=staff)
    else:  # Connector 3, in process: the LMS tells payouts
        enrollment_complete(enrollment=enrollment, grade=92, actor=staff)
    _twice(list(OutboxDelivery.objects.exclude(pk__in=seen).values_list("pk", flat=True)))


# Connector 1 makes the enrollment that the LMS then approves (Connector 2 out) and completes
# (Connector 3); Connector 4 may come at any point, before the request or after the completion.
OUTSIDE_ORDERS = [
    order
    for order in itertools.permutations(
        ["connector-1", "lms-approves", "lms-completes", "connector-4"]
    )
    if order.index("connector-1") < order.index("lms-approves") < order.index("lms-completes")
]


@pytest.mark.parametrize("order", OUTSIDE_ORDERS, ids="-then-".join)
def test_a_sale_made_by_an_outside_commerce_system_pays_the_instructor_the_request_named(
    client, issued, order
):
    WebhookSubscriptionFactory(name="commerce-platform", event_types="cadence.lms.enrollment.*")
    course, _item = course_for_sale("199.00")
    instructor = course.assignments.get().instructor
    staff = StaffFactory()
    student = learner()
    bodies = spec_bodies(
        order_id="ord_123",
        order_item_id="oi_456",
        enrollment_id="",
        learner_id=student.public_id,
        course=course,
        instructor_id=instructor.public_id,
        paid_at=timezone.now().replace(microsecond=0) - timedelta(days=20),
    )
    # The spec's request asks for auto-approval; here staff approve, as one of the steps.
    bodies["connector-1"][1]["payload"]["autoApprove"] = False

    for step in order:
        if step.startswith("lms-"):
            _lms_step(step, staff)
        else:
            send_twice(client, issued, *bodies[step])

    assert split("ord_123", "oi_456") == THE_SPEC_SPLIT
    assert ("instructor", instructor.public_id) in payees("ord_123", "oi_456")
    # Connector 2 reached the outside system as signed webhooks, with what followed.
    told = {
        event_type
        for event_type, body in WebhookDelivery.objects.values_list("event_type", "body")
        if json.loads(body)["data"].get("orderItemId") == "oi_456"
    }
    assert {
        "cadence.lms.enrollment.approved.v1",
        "cadence.lms.enrollment.completed.v1",
    } <= told, told
    no_dead_letters()
    nothing_wrong()


@pytest.mark.parametrize(
    "completion_first", [False, True], ids=["revenue-first", "completion-first"]
)
def test_the_spec_revenue_payload_then_a_completion_pays_the_courses_instructor(
    client, issued, completion_first
):
    """The spec's Connector 4 fields exactly (no ``instructorIds``) for a course with an
    instructor, and the spec's completion naming that instructor, with no enrollment request."""
    course, _item = course_for_sale("199.00")
    instructor = course.assignments.get().instructor
    bodies = spec_bodies(
        order_id="ord_123",
        order_item_id="oi_456",
        enrollment_id="enr_xyz",
        learner_id=learner().public_id,
        course=course,
        instructor_id=instructor.public_id,
        paid_at=timezone.now().replace(microsecond=0) - timedelta(days=20),
    )
    arrivals = ["connector-4", "connector-3"]
    for connector in reversed(arrivals) if completion_first else arrivals:
        send_twice(client, issued, *bodies[connector])

    assert split("ord_123", "oi_456") == THE_SPEC_SPLIT
    assert ("instructor", instructor.public_id) in payees("ord_123", "oi_456")
    no_dead_letters()
    nothing_wrong()
