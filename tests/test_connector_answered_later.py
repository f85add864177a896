"""``Prefer: respond-async`` on the spec's connector endpoints: accepted at once, answered by a
worker, the answer read at ``Location``; the same answer and the same effects as a synchronous
call, and one effect however the two modes are mixed."""

from __future__ import annotations

import json
import re
from datetime import datetime
from unittest import mock

import pytest
from django.urls import reverse

from bench.cadence_side import CONNECTOR_ENDPOINTS, connector_body
from connectors import tasks
from connectors.inbound.keys import connector_key_create
from connectors.models import InboundRequest, OutsideRecord
from connectors.rest_api import deferred
from connectors.tests.signing import signed_request
from lms.models import Enrollment
from lms.tests.factories import UserFactory
from payouts.models import EarnedRevenue, JournalEntry, Sale
from tests.fixtures.celery_worker import tasks_sent_to_the_broker, wait_until
from tests.lifecycle import course_for_sale

# Transactional: the worker's task runs after the acceptance is committed, as it does in life.
pytestmark = pytest.mark.django_db(transaction=True)

LATER = {"Prefer": "respond-async"}


@pytest.fixture
def issued(transactional_db):
    return connector_key_create(name="commerce-platform")


@pytest.fixture
def context(transactional_db):
    course, _item = course_for_sale()
    return {"course_id": course.public_id, "creator_id": "usr_creator"}


def send(client, issued, endpoint, body, headers=None):
    path = reverse(CONNECTOR_ENDPOINTS[endpoint])
    return signed_request(
        client,
        "POST",
        path,
        key=issued.key,
        secrets=[issued.secret],
        document=body,
        headers=headers,
    )


def read(client, issued, location):
    return signed_request(client, "GET", location, key=issued.key, secrets=[issued.secret])


def alike(answer: dict, marker: str) -> str:
    """The answer with the ids that differ between two requests put aside."""
    text = json.dumps(answer, sort_keys=True).replace(marker, "*")
    return re.sub(r"enr_[0-9a-z]{26}", "enr_*", text)


def effects(endpoint: str, marker: str):
    """What a request with ``marker`` in its ids left behind, without those ids."""
    item = f"oi_b{marker}"
    if endpoint == "enrollment-request":
        enrollment = Enrollment.objects.get(external_order_item_id=item)
        return (
            enrollment.state,
            enrollment.source,
            enrollment.purchase_amount_minor,
            enrollment.purchase_currency,
            enrollment.course_id,
            OutsideRecord.objects.filter(record_id__contains=marker).count(),
        )
    if endpoint == "enrollment-status":
        return OutsideRecord.objects.filter(record_id__contains=marker).count()
    sale = Sale.objects.get(order_item_id=item)
    rows = EarnedRevenue.objects.filter(sale=sale).order_by("id")
    entries = JournalEntry.objects.filter(transaction__sale=sale).order_by("id")
    return (
        sale.is_recorded,
        sale.gross_minor,
        sale.net_minor,
        sale.learner_id,
        sale.grade,
        [(r.role, r.user_id, r.kind, r.amount_minor, r.status) for r in rows],
        [(e.account, e.amount_minor) for e in entries],
        OutsideRecord.objects.filter(record_id__contains=marker).count(),
    )


@pytest.mark.parametrize("endpoint", sorted(CONNECTOR_ENDPOINTS))
def test_answered_later_the_answer_and_the_effects_are_those_of_the_synchronous_call(
    client, issued, context, endpoint
):
    now = send(
        client, issued, endpoint, connector_body(endpoint, "sync", context, UserFactory().public_id)
    )
    accepted = send(
        client,
        issued,
        endpoint,
        connector_body(endpoint, "late", context, UserFactory().public_id),
        headers=LATER,
    )

    assert accepted.status_code == 202, accepted.content
    assert accepted["Preference-Applied"] == "respond-async"
    location = accepted["Location"]
    assert accepted.json() == {
        "requestId": location.rstrip("/").rsplit("/", 1)[1],
        "status": "pending",
        "location": location,
    }
    later = read(client, issued, location)
    assert later.status_code == now.status_code
    assert alike(later.json(), "late") == alike(now.json(), "sync")
    assert effects(endpoint, "late") == effects(endpoint, "sync")


def test_a_request_has_one_effect_however_the_two_modes_are_mixed(client, issued, context):
    body = connector_body("revenue-recorded", "twice", context)
    with (
        tasks_sent_to_the_broker(),  # the drain is queued, nothing runs
        mock.patch.object(tasks.inbound_requests_drain, "apply_async") as queued,
    ):
        first = send(client, issued, "revenue-recorded", body, headers=LATER)
        again = send(client, issued, "revenue-recorded", body, headers=LATER)
    assert first.status_code == again.status_code == 202
    assert first["Location"] == again["Location"]
    assert queued.call_count == 1  # the drain queued for the first will answer the second
    assert not Sale.objects.exists()
    assert read(client, issued, first["Location"]).status_code == 202

    # The same request sent synchronously meanwhile is answered at once, with the one effect.
    now = send(client, issued, "revenue-recorded", body)
    assert now.status_code == 200
    record = InboundRequest.objects.get()
    assert tasks.inbound_request_process(record.pk) == 200  # the worker comes: nothing to do

    assert InboundRequest.objects.count() == 1
    assert Sale.objects.count() == 1
    assert EarnedRevenue.objects.count() == 3
    assert read(client, issued, first["Location"]).json() == now.json()
    repeat = send(client, issued, "revenue-recorded", body, headers=LATER)
    assert (repeat.status_code, repeat["Idempotent-Replayed"]) == (200, "true")
    assert repeat.json() == now.json()
    other = {**body, "payload": {**body["payload"], "paidAt": "2025-01-01T00:00:00Z"}}
    conflict = send(client, issued, "revenue-recorded", other, headers=LATER)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["field"] == "payload.paidAt"
    assert EarnedRevenue.objects.count() == 3


def test_a_request_answered_at_once_is_answered_again_at_once(client, issued, context):
    body = connector_body("revenue-recorded", "first", context)
    now = send(client, issued, "revenue-recorded", body)

    repeat = send(client, issued, "revenue-recorded", body, headers=LATER)

    assert (repeat.status_code, repeat["Idempotent-Replayed"]) == (200, "true")
    assert repeat.json() == now.json()
    assert EarnedRevenue.objects.count() == 3


def test_a_bad_signature_or_body_is_refused_at_once_and_nothing_is_kept(client, issued, context):
    body = connector_body("revenue-recorded", "bad", context)
    path = reverse(CONNECTOR_ENDPOINTS["revenue-recorded"])

    unsigned = signed_request(
        client, "POST", path, key=issued.key, secrets=["cds_wrong"], document=body, headers=LATER
    )
    invalid = send(
        client,
        issued,
        "revenue-recorded",
        {**body, "payload": {**body["payload"], "netAmount": "1.00"}},
        headers=LATER,
    )

    assert unsigned.status_code == 401
    assert invalid.status_code == 400
    assert invalid.json()["error"]["errors"][0]["field"] == "payload.netAmount"
    assert not InboundRequest.objects.exists()
    assert not OutsideRecord.objects.exists()


def test_a_refusal_found_later_is_the_answer_and_the_request_may_be_sent_again(
    client, issued, context
):
    refused_now = send(
        client, issued, "enrollment-status", connector_body("enrollment-status", "sync", context)
    )
    body = connector_body("enrollment-status", "late", context)
    accepted = send(client, issued, "enrollment-status", body, headers=LATER)

    later = read(client, issued, accepted["Location"])
    assert later.status_code == refused_now.status_code == 404
    assert alike(later.json(), "late") == alike(refused_now.json(), "sync")
    assert not OutsideRecord.objects.exists()  # the refused effect's claims were undone

    # As a synchronous refusal keeps nothing, the same natural key is a first request again.
    again = send(client, issued, "enrollment-status", body, headers=LATER)
    assert again.status_code == 202
    assert again["Location"] != accepted["Location"]


def test_only_the_key_that_sent_a_request_reads_its_answer(client, issued, context):
    accepted = send(
        client,
        issued,
        "revenue-recorded",
        connector_body("revenue-recorded", "mine", context),
        headers=LATER,
    )
    other = connector_key_create(name="finance-warehouse")

    theirs = signed_request(
        client, "GET", accepted["Location"], key=other.key, secrets=[other.secret]
    )

    assert theirs.status_code == 404
    assert read(client, issued, accepted["Location"]).status_code == 200


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_a_real_worker_answers_a_burst_once_its_drain_looks(client, issued, context, celery_worker):
    bodies = [connector_body("revenue-recorded", f"burst{n}", context) for n in range(3)]
    locations = [
        send(client, issued, "revenue-recorded", body, headers=LATER)["Location"] for body in bodies
    ]

    wait_until(
        lambda: all(read(client, issued, location).status_code == 200 for location in locations),
        timeout=60,
        message="the worker's drain to answer the burst",
    )
    assert Sale.objects.count() == 3
    drains = drain_runs(celery_worker.log())
    assert sum(answered for _held, answered in drains) == 3
    # The burst's drain held off until its moment (the hold's second) before it looked.
    held, _answered = drains[0]
    assert held >= deferred.DRAIN_HOLD_SECONDS - deferred.CLOCK_MARGIN_SECONDS - 0.25


def drain_runs(log: str) -> list[tuple[float, int]]:
    """Each drain the worker ran: the seconds from its message's arrival to its end, and how
    many requests it answered."""
    stamp = r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/[\w-]+\] "
    task = r"Task connectors\.inbound_requests_drain\[([0-9a-f-]+)\] "
    received = {
        task_id: _log_time(at) for at, task_id in re.findall(stamp + task + "received", log)
    }
    return [
        (_log_time(at) - received[task_id], int(answered))
        for at, task_id, answered in re.findall(
            stamp + task + r"succeeded in [0-9.e-]+s: (\d+)", log
        )
    ]


def _log_time(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").timestamp()
