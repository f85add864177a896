"""Queries on the hot paths: the learner's object GETs cost the same for one row as for many, and
each connector endpoint answers a new signed request within a fixed number of queries."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.cadence_side import CONNECTOR_ENDPOINTS, connector_body
from commerce.tests.factories import buy
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


# The most each endpoint may take for a new request: key and secrets (and its last use, once a
# minute), the idempotency record, the ownership claim, the effect, the answer. Tasks run eagerly
# here, so what a worker does after the commit counts too: the enrollment request's webhook
# fan-out, and the learner's "waiting for approval" notification (its notice, its preference and
# its email). ``python -m bench`` reports the request's own queries under gunicorn.
CONNECTOR_QUERIES = {
    "enrollment-request": 56,
    "enrollment-status": 18,
    "course-completion": 18,
    "revenue-recorded": 27,
}
CONNECTOR_STATUS = {
    "enrollment-request": 201,
    "enrollment-status": 404,  # nobody sold that order item: refused, as ever
    "course-completion": 200,
    "revenue-recorded": 200,
}


@pytest.mark.parametrize("endpoint", sorted(CONNECTOR_ENDPOINTS))
def test_a_new_signed_request_to_a_connector_endpoint_takes_a_fixed_number_of_queries(
    client, endpoint, django_assert_max_num_queries
):
    course, _item = course_for_sale()
    issued = connector_key_create(name="commerce-platform")
    context = {"course_id": course.public_id, "creator_id": "usr_creator"}
    path = reverse(CONNECTOR_ENDPOINTS[endpoint])
    body = json.dumps(
        connector_body(endpoint, uuid.uuid4().hex, context, UserFactory().public_id)
    ).encode()
    signature = signature_header(
        secrets=[issued.secret],
        timestamp=int(time.time()),
        body=body,
        method="POST",
        path=path,
        schemes=(REQUEST_BOUND,),
    )
    headers = {"Authorization": f"Api-Key {issued.key}", "X-Cadence-Signature": signature}

    with django_assert_max_num_queries(CONNECTOR_QUERIES[endpoint]):
        response = client.post(path, body, content_type="application/json", headers=headers)

    assert response.status_code == CONNECTOR_STATUS[endpoint], response.content
