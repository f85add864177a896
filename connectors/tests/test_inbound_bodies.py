"""Bodies the connector endpoints refuse before reading a key from them or parsing them deeply."""

from __future__ import annotations

import pytest

from connectors.inbound.keys import connector_key_create
from connectors.models import InboundRequest
from connectors.tests.signing import signed_request

ENDPOINTS = [
    "/api/v2/connectors/enrollment-request",
    "/api/v1/webhooks/enrollment-status",
    "/api/v1/webhooks/course-completion",
    "/api/v1/webhooks/revenue-recorded",
]
DEEP = {"array": "[" * 100_000 + "]" * 100_000, "object": '{"a":' * 100_000 + "1" + "}" * 100_000}

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("shape", sorted(DEEP))
def test_a_deeply_nested_body_without_credentials_is_a_400(client, path, shape):
    response = client.post(path, data=DEEP[shape], content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "parse_error"
    assert "nested deeper than 32 levels" in response.json()["error"]["message"]
    assert not InboundRequest.objects.exists()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_deeply_nested_body_with_a_valid_key_is_a_400(client, path):
    issued = connector_key_create(name="commerce-platform")
    document = {"source": "commerce-platform", "payload": {"deep": []}}
    for _ in range(40):
        document = {"payload": document}

    response = signed_request(
        client, "POST", path, key=issued.key, secrets=[issued.secret], document=document
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "parse_error"
    assert not InboundRequest.objects.exists()


def test_a_deeply_nested_body_on_a_list_that_takes_keys_is_a_400(client):
    response = client.generic(
        "GET", "/api/v1/payouts/payouts/", data=DEEP["array"], content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "parse_error"
