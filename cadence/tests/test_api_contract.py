"""Every refusal of the API comes in the project's error body, and the OpenAPI document says so:
paginated lists with their envelope, each operation's refusals, the ways to authenticate."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lms.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in():
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


def test_an_unknown_api_path_is_a_json_404():
    response = APIClient().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_an_unknown_page_outside_the_api_is_still_a_page():
    response = APIClient().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_no_credentials_is_a_401_in_the_error_body():
    response = APIClient().get(reverse("commerce:api-orders"))

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_method_the_operation_lacks_is_a_405_in_the_error_body(signed_in):
    response = signed_in.patch(reverse("commerce:api-orders"), {}, format="json")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_body_of_a_type_the_api_does_not_read_is_a_415_in_the_error_body(signed_in):
    response = signed_in.post(
        reverse("commerce:api-checkout-quote"), "country=US", content_type="text/plain"
    )

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_an_accept_header_the_api_cannot_answer_is_a_406_in_the_error_body(signed_in):
    response = signed_in.get(reverse("commerce:api-orders"), HTTP_ACCEPT="image/png")

    assert response.status_code == 406
    assert error_of(response)["code"] == "not_acceptable"


def test_a_body_that_is_not_json_is_a_400_in_the_error_body(signed_in):
    response = signed_in.post(
        reverse("commerce:api-checkout-quote"), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_a_csrf_refusal_is_a_403_in_the_error_body():
    response = APIClient(enforce_csrf_checks=True).post(
        reverse("commerce:api-cart-add"), {"catalogItemId": "cat_x"}, format="json"
    )

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "permission_denied" and "CSRF" in error["message"]


# --- The OpenAPI document ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get(reverse("api-schema"), {"format": "json"}).json()


def test_paginated_lists_are_documented_with_their_envelope(schema):
    ok = schema["paths"]["/api/v1/lms/courses/"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    envelope = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]

    assert envelope["required"] == ["count", "results"]
    assert set(envelope["properties"]) == {"count", "next", "previous", "results"}
    parameters = {p["name"] for p in schema["paths"]["/api/v1/lms/courses/"]["get"]["parameters"]}
    assert {"limit", "offset"} <= parameters


def test_every_refusal_of_every_operation_is_the_error_body(schema):
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            refusals = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert {"406"} <= set(refusals), (method, path)
            for code, response in refusals.items():
                body = response["content"]["application/json"]["schema"]
                assert body == error_ref, (method, path, code)


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/v1/orders/", "get", {"401", "406"}),
        ("/api/v1/orders/{order_id}/", "get", {"401", "404", "406"}),
        ("/api/v1/cart/items/", "post", {"400", "401", "403", "404", "406", "409", "415"}),
        ("/api/v1/payouts/accounts/", "get", {"401", "403", "406", "429"}),
        (
            "/api/v2/connectors/enrollment-request",
            "post",
            {"400", "401", "403", "404", "406", "409", "415", "429"},
        ),
    ],
)
def test_each_operation_documents_the_refusals_it_can_give(schema, path, method, expected):
    responses = schema["paths"][path][method]["responses"]

    assert expected <= {code for code in responses if code >= "400"}


def test_the_ways_to_authenticate_are_documented(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["bearerToken"]["scheme"] == "bearer"
    assert (
        schemes["cookieAuth"]["in"] == "cookie"
        and "X-CSRFToken" in (schemes["cookieAuth"]["description"])
    )
    assert schemes["connectorKey"]["type"] == "apiKey"
    assert "X-Cadence-Signature" in schemes["connectorKey"]["description"]
    connector = schema["paths"]["/api/v1/webhooks/revenue-recorded/"]["post"]
    assert connector["security"] == [{"connectorKey": []}]
