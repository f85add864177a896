"""Queries on the hot paths: the learner's object GETs cost the same for one row as for many, and
each connector endpoint answers a new signed request within a fixed number of queries."""

from __future__ import annotations

import json
import time
import uuid
from unittest import mock

import pytest
from celery.app.task import Task
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.cadence_side import CONNECTOR_ENDPOINTS, connector_body
from commerce.models import OrderItem
from commerce.services import checkout_start, payment_confirm
from commerce.tests.factories import buy, in_cart
from connectors.inbound.keys import connector_key_create
from connectors.signatures import REQUEST_BOUND, signature_header
from lms.tests.factories import UserFactory
from tests.lifecycle import course_for_sale, deliver_all, enrollment_of, learner, purchase

# Transactional: the in-process connectors deliver after commit, as they do in life, and the
# counts are those of production (no test transaction turning blocks into savepoints).
pytestmark = pytest.mark.django_db(transaction=True)

# The most each view may take, whatever the rows: the session and the user, then the order's
# items with the order joined; the enrollment with its course and people; the earned revenue
# with its sales (no permission queries for a payee, no COUNT for a page that is not full). The
# catalog is the same for everyone: it reads neither session nor user, only its items with their
# courses and prices.
VIEW_QUERIES = {"order": 3, "enrollment": 3, "catalog": 1, "earned revenue": 3}


def counted(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    return len(captured)


def test_the_object_gets_take_the_same_queries_for_one_row_as_for_many():
    creator, buyer = learner(), learner()
    buyer_client, creator_client = Client(), Client()
    buyer_client.force_login(buyer)
    creator_client.force_login(creator)
    _course, item = course_for_sale(content_creator=creator)
    first = purchase(buyer, item)
    deliver_all()
    paths = {
        "order": (buyer_client, reverse("commerce:api-order", args=[first.order.public_id])),
        "enrollment": (
            buyer_client,
            reverse("lms:api_enrollment", args=[enrollment_of(first).public_id]),
        ),
        "catalog": (buyer_client, reverse("commerce:api-catalog")),
        "earned revenue": (creator_client, reverse("payouts:api-earned-revenue")),
    }
    one = {name: counted(client, path) for name, (client, path) in paths.items()}

    many = [course_for_sale(content_creator=creator)[1] for _ in range(4)]
    order, _payment = buy(buyer.public_id, *many)
    deliver_all()
    paths["order"] = (buyer_client, reverse("commerce:api-order", args=[order.public_id]))
    five = {name: counted(client, path) for name, (client, path) in paths.items()}

    assert one == five
    assert all(one[name] <= most for name, most in VIEW_QUERIES.items()), one


# The most each endpoint may take for a new request, its own queries (what a worker does after
# the commit is held back here and counted apart): the idempotency record, the ownership
# claim, the effect, the answer. Answered now (``sync``), and accepted to be answered later
# (``async``, ``Prefer: respond-async``: the stored request). The key was used a moment
# before, as under load: the process has its copy, and its last use is written once a minute.
# A journal transaction and its entries: one insert on PostgreSQL, two on SQLite.
JOURNAL_INSERTS = 1 if connection.vendor == "postgresql" else 2
CONNECTOR_QUERIES = {
    "sync": {
        "enrollment-request": 15,
        "enrollment-status": 7,
        # The payouts split records a fact in its own savepointed transaction, reading back
        # what it wrote; the two below pay for that.
        "course-completion": 13,
        "revenue-recorded": 20 + JOURNAL_INSERTS,
    },
    "async": {
        "enrollment-request": 1,
        "enrollment-status": 1,
        "course-completion": 1,
        "revenue-recorded": 1,
    },
}
CONNECTOR_STATUS = {
    "enrollment-request": 201,
    "enrollment-status": 404,  # nobody sold that order item: refused, as ever
    "course-completion": 200,
    "revenue-recorded": 200,
}
ANSWERED_LATER = {"Prefer": "respond-async"}


def signed_headers(issued, method: str, path: str, body: bytes) -> dict[str, str]:
    signature = signature_header(
        secrets=[issued.secret],
        timestamp=int(time.time()),
        body=body,
        method=method,
        path=path,
        schemes=(REQUEST_BOUND,),
    )
    return {"Authorization": f"Api-Key {issued.key}", "X-Cadence-Signature": signature}


@pytest.mark.parametrize("mode", sorted(CONNECTOR_QUERIES))
@pytest.mark.parametrize("endpoint", sorted(CONNECTOR_ENDPOINTS))
def test_a_new_signed_request_to_a_connector_endpoint_takes_a_fixed_number_of_queries(
    client, endpoint, mode, django_assert_max_num_queries
):
    course, _item = course_for_sale()
    issued = connector_key_create(name="commerce-platform")
    ping = reverse("connector-ping")
    assert client.get(ping, headers=signed_headers(issued, "GET", ping, b"")).status_code == 200
    context = {"course_id": course.public_id, "creator_id": "usr_creator"}
    path = reverse(CONNECTOR_ENDPOINTS[endpoint])
    body = json.dumps(
        connector_body(endpoint, uuid.uuid4().hex, context, UserFactory().public_id)
    ).encode()
    headers = signed_headers(issued, "POST", path, body)
    if mode == "async":
        headers.update(ANSWERED_LATER)

    queued = []
    with (
        mock.patch.object(Task, "apply_async", lambda task, *a, **kw: queued.append(task.name)),
        django_assert_max_num_queries(CONNECTOR_QUERIES[mode][endpoint]),
    ):
        response = client.post(path, body, content_type="application/json", headers=headers)

    expected = CONNECTOR_STATUS[endpoint] if mode == "sync" else 202
    assert response.status_code == expected, response.content
    if mode == "async":
        assert queued == ["connectors.inbound_requests_drain"]


# The most a paid order's fan-out may take, from the buyer's payment confirmation to the last
# consumer (the P3 benchmark's "paid order" figure), the same whatever the number of items:
# the payment (11: the payment, and the order's items with whether each course is held
# already, read before the processor; then the payment and order locked in one read, their
# updates, the items' fee split, the ledger, the order.paid, the cart); the order.paid
# delivered once to each consumer (the LMS 7: users, courses, one insert of the enrollments
# with their transitions, and the one order_enrollments.requested of the order's new
# enrollments; payouts 7: instructors, configs, one insert of the sales with their shares and
# one of the journal transactions with their entries; the order's notification 5 and its
# email 1); the
# order_enrollments.requested delivered to the notifications (one "waiting for approval" for
# the order, 5, and its email 1); and the harness's last read. With no webhook subscription no
# webhook fan-out is recorded, and an enrollment staff must review schedules no auto-approval
# check. Inserts meet a twin's row with ON CONFLICT DO NOTHING, not a savepoint.
PAID_ORDER_QUERIES = {1: 38, 3: 38}


def paid_order_fan_out_queries(items: int) -> int:
    customer = learner()
    catalog = [course_for_sale(requires_approval=True)[1] for _ in range(items)]
    deliver_all()
    in_cart(customer.public_id, *catalog)
    started = checkout_start(
        customer_id=customer.public_id, billing_country="US", processor_name="test"
    )
    with CaptureQueriesContext(connection) as captured:
        payment_confirm(
            payment_id=started.payment.public_id,
            customer_id=customer.public_id,
            outcome="succeeds",
        )
        deliver_all()  # eager: nothing is left, but anything that were would count
    paid = OrderItem.objects.filter(order=started.order)
    assert all(enrollment_of(item).state == "pending" for item in paid)
    return len(captured)


@pytest.mark.postgres
@pytest.mark.parametrize("items", [1, 3])
def test_a_paid_orders_fan_out_takes_a_bounded_number_of_queries(items):
    queries = paid_order_fan_out_queries(items)
    assert queries <= PAID_ORDER_QUERIES[items], queries
