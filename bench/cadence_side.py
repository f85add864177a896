"""The Cadence side of the benchmark, run as ``python -m bench.cadence_side <command>`` with
Cadence's settings: prepares data, counts queries and signs bodies, printing JSON on stdout.

Data is made through each context's own services (``tests.lifecycle``), so the rows the load
reads are the rows real use makes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime

import django


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadence.settings")
    django.setup()
    _unique_sequences()


def _unique_sequences() -> None:
    """Start the factories' sequences where no earlier run went (slugs, usernames are unique)."""
    import factory

    from commerce.tests import factories as commerce_factories
    from lms.tests import factories as lms_factories

    start = int(time.time() * 1000) % 10**12
    for module in (lms_factories, commerce_factories):
        for value in vars(module).values():
            is_factory = isinstance(value, type) and issubclass(
                value, factory.django.DjangoModelFactory
            )
            if is_factory and value._meta.model is not None:
                value.reset_sequence(start, force=True)


# --- P1: authenticated object GETs ------------------------------------------------------------


def seed(rows: int) -> dict:
    """A learner with an order of one item and one of ``rows`` items, their enrollment, a catalog
    of ``rows`` courses and a creator earning on each; every view's queries with 1 and N rows."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.orders import fast_passwords
    from connectors.inbound.keys import MAX_REQUESTS_PER_MINUTE, connector_key_create
    from tests.lifecycle import course_for_sale, deliver_all, enrollment_of, learner, purchase

    fast_passwords()
    run = uuid.uuid4().hex[:8]
    buyer = learner(f"bench{run}")
    creator = learner(f"creator{run}")

    def session_of(user) -> tuple[Client, str]:
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        return client, f"{name}={client.cookies[name].value}"

    buyer_client, buyer_cookie = session_of(buyer)
    creator_client, creator_cookie = session_of(creator)

    def queries(client: Client, path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_ACCEPT="application/json")
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.content!r}")
        return len(captured)

    first_course, first_item = course_for_sale(content_creator=creator)
    single = purchase(buyer, first_item)
    deliver_all()
    enrollment = enrollment_of(single)
    order_path = reverse("commerce:api-order", args=[single.order.public_id])
    enrollment_path = reverse("lms:api_enrollment", args=[enrollment.public_id])
    paths = {
        "order detail": (buyer_client, order_path),
        "enrollment detail": (buyer_client, enrollment_path),
        "catalog list": (buyer_client, reverse("commerce:api-catalog")),
        "earned-revenue list": (creator_client, reverse("payouts:api-earned-revenue")),
    }
    counts_1 = {name: queries(client, path) for name, (client, path) in paths.items()}

    from commerce.tests.factories import buy

    items = [course_for_sale(content_creator=creator)[1] for _ in range(max(rows - 1, 1))]
    order, _payment = buy(buyer.public_id, *items)
    deliver_all()
    paths["order detail"] = (buyer_client, reverse("commerce:api-order", args=[order.public_id]))
    counts_n = {name: queries(client, path) for name, (client, path) in paths.items()}

    issued = connector_key_create(name=f"bench-{run}", requests_per_minute=MAX_REQUESTS_PER_MINUTE)
    return {
        "rows": rows,
        "get": {
            name: {
                "path": path,
                "cookie": buyer_cookie if client is buyer_client else creator_cookie,
                "queries_1": counts_1[name],
                "queries_n": counts_n[name],
            }
            for name, (client, path) in paths.items()
        },
        "key": issued.key,
        "secret": issued.secret,
        "course_id": first_course.public_id,
        "creator_id": creator.public_id,
    }


# --- P2: the spec's connector endpoints -------------------------------------------------------

CONNECTOR_ENDPOINTS = {
    "enrollment-request": "connector-enrollment-request",
    "enrollment-status": "connector-enrollment-status",
    "course-completion": "connector-course-completion",
    "revenue-recorded": "connector-revenue-recorded",
}


def connector_body(endpoint: str, n: str, context: dict, user_id: str = "") -> dict:
    """A valid spec body naming records no one has named before (``n`` makes them unique)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if endpoint == "enrollment-request":
        return {
            "source": "commerce-platform",
            "payload": {
                "orderId": f"ord_b{n}",
                "orderItemId": f"oi_b{n}",
                "userId": user_id,
                "courseId": context["course_id"],
                "approvalStatus": "pending",
                "autoApprove": False,
                "purchaseMetadata": {"amount": 199.00, "currency": "USD", "purchaseDate": now},
            },
        }
    if endpoint == "enrollment-status":
        return {
            "source": "outside-lms",
            "event": "enrollment.approved",
            "payload": {
                "enrollmentId": f"enr_b{n}",
                "orderId": f"ord_b{n}",
                "orderItemId": f"oi_b{n}",
                "status": "approved",
                "approvedAt": now,
                "approvedBy": "auto-approval",
            },
        }
    if endpoint == "course-completion":
        return {
            "source": "outside-lms",
            "event": "enrollment.completed",
            "payload": {
                "enrollmentId": f"enr_b{n}",
                "userId": "usr_learner",
                "courseId": context["course_id"],
                "instructorId": "usr_instructor",
                "contentCreatorId": context["creator_id"],
                "completedAt": now,
                "grade": 92,
                "orderId": f"ord_b{n}",
                "orderItemId": f"oi_b{n}",
            },
        }
    return {
        "source": "commerce-platform",
        "event": "payment.completed",
        "payload": {
            "orderId": f"ord_b{n}",
            "orderItemId": f"oi_b{n}",
            "courseId": context["course_id"],
            "contentCreatorId": context["creator_id"],
            "instructorIds": ["usr_instructor"],
            "grossAmount": 199.00,
            "taxAmount": 0,
            "discountAmount": "0.00",
            "platformFee": 6.07,
            "netAmount": "192.93",
            "currency": "USD",
            "paidAt": now,
        },
    }


def _learners(count: int) -> list[str]:
    """``count`` active learners (one per enrollment request: a learner enrols once per course)."""
    from lms.models import User

    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        [User(username=f"b{tag}{i}", email=f"b{tag}{i}@example.com") for i in range(count)],
        batch_size=2000,
    )
    return [user.public_id for user in users]


def bodies(endpoint: str, count: int, out: str, context: dict) -> dict:
    """Write ``count`` signed unique bodies for ``endpoint`` to ``out`` (one per line)."""
    from django.urls import reverse

    from connectors.signatures import REQUEST_BOUND, signature_header

    path = reverse(CONNECTOR_ENDPOINTS[endpoint])
    users = _learners(count) if endpoint == "enrollment-request" else itertools.repeat("")
    run = uuid.uuid4().hex[:10]
    t = int(time.time())
    with open(out, "w") as file:
        for i, user_id in zip(range(count), users, strict=False):
            body = json.dumps(connector_body(endpoint, f"{run}{i}", context, user_id)).encode()
            signature = signature_header(
                secrets=[context["secret"]],
                timestamp=t,
                body=body,
                method="POST",
                path=path,
                schemes=(REQUEST_BOUND,),
            )
            file.write(f"{signature}\t{body.decode()}\n")
    return {"path": path, "count": count}


def connector_queries(context: dict) -> dict:
    """Queries of one unique signed request to each connector endpoint, and its status, answered
    now (``sync``) and accepted for later (``async``, ``Prefer: respond-async``).

    The request's own queries: what a worker does after the commit is queued on the broker
    here, not run. The key is used once first, as it is under load (its last use is written at
    most once a minute, and not by the requests counted).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from connectors.signatures import REQUEST_BOUND, signature_header

    def signed(method: str, path: str, body: bytes) -> dict:
        return {
            "Authorization": f"Api-Key {context['key']}",
            "X-Cadence-Signature": signature_header(
                secrets=[context["secret"]],
                timestamp=int(time.time()),
                body=body,
                method=method,
                path=path,
                schemes=(REQUEST_BOUND,),
            ),
        }

    client = Client()
    ping = reverse("connector-ping")
    client.get(ping, headers=signed("GET", ping, b""))
    found: dict[str, dict] = {"sync": {}, "async": {}}
    users = _learners(2)
    for mode, user_id, prefer in (("sync", users[0], {}), ("async", users[1], ASYNC_PREFERENCE)):
        for endpoint, name in CONNECTOR_ENDPOINTS.items():
            path = reverse(name)
            document = connector_body(endpoint, uuid.uuid4().hex, context, user_id)
            body = json.dumps(document).encode()
            headers = {**signed("POST", path, body), **prefer}
            with CaptureQueriesContext(connection) as captured:
                response = client.post(path, body, content_type="application/json", headers=headers)
            found[mode][endpoint] = {"queries": len(captured), "status": response.status_code}
            if os.environ.get("BENCH_SHOW_QUERIES"):
                for query in captured.captured_queries:
                    print(mode, endpoint, query["sql"][:200], file=sys.stderr)
    return found


ASYNC_PREFERENCE = {"Prefer": "respond-async"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cadence_side")
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--rows", type=int, default=10)
    signing = commands.add_parser("bodies", help="signed bodies for each --endpoint")
    signing.add_argument("--endpoint", choices=sorted(CONNECTOR_ENDPOINTS), action="append")
    signing.add_argument("--count", type=int, required=True)
    signing.add_argument("--out", required=True, help="a folder: <endpoint>.bodies in it")
    signing.add_argument("--context", required=True, help="the seed's JSON, in a file")
    counting = commands.add_parser("connector-queries")
    counting.add_argument("--context", required=True)
    from bench import orders as orders_bench

    orders_bench.add_commands(commands)
    args = parser.parse_args(argv)
    _setup()
    if args.command == "seed":
        result = seed(args.rows)
    elif args.command == "bodies":
        with open(args.context) as file:
            context = json.load(file)
        result = {
            endpoint: bodies(endpoint, args.count, f"{args.out}/{endpoint}.bodies", context)
            for endpoint in args.endpoint
        }
    elif args.command == "connector-queries":
        with open(args.context) as file:
            result = connector_queries(json.load(file))
    else:
        result = orders_bench.run_command(args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
