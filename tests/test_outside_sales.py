"""Enrollments an outside commerce system asked for over HTTP, followed through their life.

The LMS publishes its news about them like any other (Connector 2). Commerce recognises orders it
never issued and the deliveries end cleanly, refunding and changing nothing; the outside system
learns each status through the outbound webhooks it subscribed to.
"""

from __future__ import annotations

import json

import pytest

from commerce.models import Order, OrderItem, Refund
from connectors.inbound.keys import connector_key_create
from connectors.models import OutboxDelivery, WebhookDelivery
from connectors.tests.factories import WebhookSubscriptionFactory
from connectors.tests.signing import signed_request
from lms.models import Enrollment
from lms.services import (
    enrollment_approve,
    enrollment_complete,
    enrollment_reject,
    enrollment_revoke,
    enrollment_start,
)
from lms.tests.factories import CourseFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outside_enrollment(client) -> Enrollment:
    """An enrollment the outside system "shop" asked for, for its order ord_shop_1."""
    WebhookSubscriptionFactory(name="shop", event_types="cadence.lms.enrollment.*")
    issued = connector_key_create(name="shop")
    body = {
        "source": "shop",
        "payload": {
            "orderId": "ord_shop_1",
            "orderItemId": "oi_shop_1",
            "userId": UserFactory().public_id,
            "courseId": CourseFactory().public_id,
            "approvalStatus": "pending",
            "autoApprove": False,
            "purchaseMetadata": {
                "amount": "49.00",
                "currency": "USD",
                "purchaseDate": "2026-11-01T10:00:00Z",
            },
        },
    }
    response = signed_request(
        client,
        "POST",
        "/api/v2/connectors/enrollment-request",
        document=body,
        key=issued.key,
        secrets=[issued.secret],
    )
    assert response.status_code == 201, response.json()
    return Enrollment.objects.get(external_order_id="ord_shop_1")


def commerce_deliveries() -> dict[str, str]:
    """Each commerce consumer's deliveries, by consumer: their statuses."""
    rows = OutboxDelivery.objects.filter(consumer__startswith="commerce:enrollment-")
    return {row.consumer: row.status for row in rows}


def webhook_statuses() -> list[str]:
    """The statuses the outside system was told, in order (news of the instructor assigned on
    approval carries none)."""
    bodies = WebhookDelivery.objects.order_by("id").values_list("body", flat=True)
    statuses = [json.loads(body)["data"].get("status") for body in bodies]
    return [status for status in statuses if status]


def test_the_lms_approving_an_outside_sale_ends_cleanly_in_commerce(outside_enrollment):
    enrollment_approve(enrollment=outside_enrollment, actor=StaffFactory())

    assert commerce_deliveries() == {"commerce:enrollment-approved": "delivered"}
    assert not Order.objects.exists() and not OrderItem.objects.exists()
    assert webhook_statuses()[-1] == "approved"


def test_the_lms_rejecting_an_outside_sale_refunds_nothing_in_commerce(outside_enrollment):
    enrollment_reject(enrollment=outside_enrollment, actor=StaffFactory(), reason="Full")

    assert commerce_deliveries() == {"commerce:enrollment-rejected": "delivered"}
    assert not Refund.objects.exists()
    assert webhook_statuses()[-1] == "rejected"


def test_every_later_status_of_an_outside_sale_ends_cleanly_too(outside_enrollment):
    staff = StaffFactory()
    enrollment_approve(enrollment=outside_enrollment, actor=staff)
    enrollment_start(enrollment=outside_enrollment, actor=outside_enrollment.user)
    enrollment_complete(enrollment=outside_enrollment, grade=90, actor=staff)
    enrollment_revoke(enrollment=outside_enrollment, actor=staff, reason="Chargeback")

    assert commerce_deliveries() == {
        "commerce:enrollment-approved": "delivered",
        "commerce:enrollment-started": "delivered",
        "commerce:enrollment-completed": "delivered",
        "commerce:enrollment-revoked": "delivered",
    }
    assert not OutboxDelivery.objects.filter(status=OutboxDelivery.Status.DEAD).exists()
    assert webhook_statuses()[-1] == "revoked"
