"""A signature opens only the request it was made for: v2 binds the method, the path with its
query and the body; the body-only v1 is accepted on POST to the spec's four endpoints alone."""

import json
import time

import pytest
from django.test import RequestFactory

from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey, ConnectorScope
from connectors.rest_api.authentication import path_as_sent
from connectors.signatures import signature_header
from connectors.tests.signing import signed_request

PING = "/api/v1/connectors/ping/"
ACCOUNTS = "/api/v1/payouts/accounts/"
PAYOUTS = "/api/v1/payouts/payouts/"
REVENUE_RECORDED = "/api/v1/webhooks/revenue-recorded"

V1_REFUSED = (
    "a v1 signature covers the body alone and is accepted only on POST to the connector "
    "endpoints; sign this request with v2 (its method, path with query, and body)"
)


@pytest.fixture
def issued(db):
    return connector_key_create(
        name="commerce-platform", scopes=[ConnectorScope.CONNECTORS, ConnectorScope.PAYOUTS_READ]
    )


def captured(issued, *, method: str, path: str, body: bytes = b"", schemes=("v2",)) -> dict:
    """The headers of a request an eavesdropper saw go by."""
    return {
        "Authorization": f"Api-Key {issued.key}",
        "X-Cadence-Signature": signature_header(
            secrets=[issued.secret],
            timestamp=int(time.time()),
            body=body,
            method=method,
            path=path,
            schemes=schemes,
        ),
    }


def error_of(response) -> dict:
    return response.json()["error"]


def last_used(issued):
    return ConnectorKey.objects.get(name=issued.name).last_used_at


@pytest.mark.parametrize(("method", "path"), [("GET", PING), ("POST", PING), ("GET", ACCOUNTS)])
def test_a_body_only_v1_signature_is_refused_outside_the_spec_endpoints(
    client, issued, method, path
):
    response = signed_request(
        client, method, path, key=issued.key, secrets=[issued.secret], schemes=("v1",)
    )

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "not_authenticated",
        "field": "X-Cadence-Signature",
        "message": V1_REFUSED,
    }
    assert last_used(issued) is None


def test_a_captured_v1_get_does_not_open_the_payouts_api(client, issued):
    # The audit's replay: a signed GET of the ping has the same empty body as every other GET.
    headers = captured(issued, method="GET", path=PING, schemes=("v1",))

    for path in (ACCOUNTS, PAYOUTS, PING):
        assert client.get(path, headers=headers).status_code == 401
    assert client.post(PING, headers=headers).status_code == 401


def test_a_captured_v2_get_opens_only_the_request_it_signed(client, issued):
    headers = captured(issued, method="GET", path=PING)

    assert client.get(PING, headers=headers).status_code == 200
    for path in (ACCOUNTS, PAYOUTS, f"{PING}?again=1"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, path
        assert error_of(response)["field"] == "X-Cadence-Signature"
    assert client.post(PING, headers=headers).status_code == 401


def test_a_v2_signature_binds_the_query_as_sent(client, issued):
    headers = captured(issued, method="GET", path=f"{PAYOUTS}?page=1")

    assert client.get(f"{PAYOUTS}?page=1", headers=headers).status_code == 200
    assert client.get(f"{PAYOUTS}?page=2", headers=headers).status_code == 401
    assert client.get(PAYOUTS, headers=headers).status_code == 401


def test_a_v2_signature_binds_the_body(client, issued):
    body = json.dumps({"source": "commerce-platform"}).encode()
    headers = captured(issued, method="POST", path=PING, body=body)

    ok = client.post(PING, data=body, content_type="application/json", headers=headers)
    changed = client.post(PING, data=body + b" ", content_type="application/json", headers=headers)

    assert ok.status_code == 200
    assert changed.status_code == 401


def test_v1_is_still_accepted_on_post_to_the_spec_endpoints(client, issued):
    response = signed_request(
        client,
        "POST",
        REVENUE_RECORDED,
        key=issued.key,
        secrets=[issued.secret],
        document={"source": "commerce-platform"},
        schemes=("v1",),
    )

    # Past authentication: refused for its content, not for its signature.
    assert response.status_code == 400
    assert error_of(response)["field"] != "X-Cadence-Signature"


def test_a_v1_signature_of_a_spec_endpoint_body_is_refused_on_another_endpoint(client, issued):
    body = json.dumps({"source": "commerce-platform"}).encode()
    headers = captured(issued, method="POST", path=REVENUE_RECORDED, body=body, schemes=("v1",))

    response = client.post(PING, data=body, content_type="application/json", headers=headers)

    assert response.status_code == 401
    assert error_of(response)["message"] == V1_REFUSED


def test_a_wrong_v2_beside_a_right_v1_is_accepted_where_v1_is(client, issued):
    # Outbound webhooks carry both; a receiver accepting v1 accepts the request as before.
    body = json.dumps({"source": "commerce-platform"}).encode()
    v1 = captured(issued, method="POST", path=REVENUE_RECORDED, body=body, schemes=("v1",))
    v2 = captured(issued, method="POST", path="/elsewhere", body=body)
    header = v2["X-Cadence-Signature"] + "," + v1["X-Cadence-Signature"].split(",", 1)[1]

    response = client.post(
        REVENUE_RECORDED,
        data=body,
        content_type="application/json",
        headers={**v1, "X-Cadence-Signature": header},
    )

    assert response.status_code == 400
    assert error_of(response)["field"] != "X-Cadence-Signature"


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (
            {"RAW_URI": "/api/v1/payouts/payouts/?page=2&q=%2F"},
            "/api/v1/payouts/payouts/?page=2&q=%2F",
        ),
        ({"REQUEST_URI": "/a%20b?x=1"}, "/a%20b?x=1"),
        ({"RAW_URI": "http://cadence.example.com/api/v1/x?y=1"}, "/api/v1/x?y=1"),
        ({}, "/api/v1/payouts/payouts/?page=2&q=%2F"),
    ],
)
def test_the_path_signed_is_the_request_target_as_sent(meta, expected):
    request = RequestFactory().get("/api/v1/payouts/payouts/?page=2&q=%2F", **meta)

    assert path_as_sent(request) == expected
