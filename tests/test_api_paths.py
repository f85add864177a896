"""One URL style for the API: every path ends with a slash, but for the spec's four connector
endpoints, served at the spec's path and at the slash form alike."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from connectors.inbound.keys import connector_key_create
from connectors.signatures import signature_header
from connectors.tests.signing import signed_request
from lms.models import CourseInstructor
from lms.tests.factories import CourseFactory, UserFactory

SPEC_ENDPOINTS = (
    "/api/v2/connectors/enrollment-request",
    "/api/v1/webhooks/enrollment-status",
    "/api/v1/webhooks/course-completion",
    "/api/v1/webhooks/revenue-recorded",
)


def _enrollment_request(order_item_id: str) -> dict:
    course = CourseFactory()
    instructor = CourseInstructor.objects.create(course=course, instructor=UserFactory())
    return {
        "source": "commerce-platform",
        "payload": {
            "orderId": f"ord_{order_item_id}",
            "orderItemId": f"oi_{order_item_id}",
            "userId": UserFactory().public_id,
            "courseId": course.public_id,
            "instructorId": instructor.instructor.public_id,
            "purchaseMetadata": {
                "amount": "199.00",
                "currency": "USD",
                "purchaseDate": "2025-01-14T10:00:00Z",
            },
        },
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path", ["/api/v2/connectors/enrollment-request", "/api/v2/connectors/enrollment-request/"]
)
def test_a_spec_endpoint_answers_at_its_spec_path_and_with_the_slash(client, path):
    issued = connector_key_create(name="commerce-platform")

    response = signed_request(
        client,
        "POST",
        path,
        document=_enrollment_request("1"),
        key=issued.key,
        secrets=[issued.secret],
    )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"


@pytest.mark.django_db
def test_the_signature_binds_the_form_of_the_path_that_was_called(client):
    issued = connector_key_create(name="commerce-platform")
    body = b'{"source": "commerce-platform"}'
    # A v2 signature of the spec's path (v1 binds no path, so it is left out here).
    header = signature_header(
        secrets=[issued.secret],
        timestamp=int(time.time()),
        body=body,
        method="POST",
        path="/api/v2/connectors/enrollment-request",
        schemes=("v2",),
    )

    response = client.post(
        "/api/v2/connectors/enrollment-request/",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Api-Key {issued.key}", "X-Cadence-Signature": header},
    )

    assert response.status_code == 401
    assert response.json()["error"]["field"] == "X-Cadence-Signature"


@pytest.mark.parametrize("path", SPEC_ENDPOINTS)
def test_neither_form_of_a_spec_endpoint_redirects(client, path):
    for form in (path, f"{path}/"):
        response = client.post(form, data=b"{}", content_type="application/json")
        assert response.status_code == 401, form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slashless",
    [
        "/api/v1/lms/courses",
        "/api/v1/lms/enrollments/enr_x/progress",
        "/api/v1/payouts/payouts",
        "/api/v1/connectors/ping",
    ],
)
def test_an_old_path_without_the_slash_redirects_a_get_permanently(client, slashless):
    response = client.get(f"{slashless}?limit=5")

    assert response.status_code == 301
    assert response["Location"] == f"{slashless}/?limit=5"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_old_path_without_the_slash_is_a_404_for_other_methods(client, method):
    response = getattr(client, method)(
        "/api/v1/lms/submissions/create", data=b"{}", content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "no API endpoint at /api/v1/lms/submissions/create",
        }
    }


@pytest.mark.django_db
def test_every_api_path_but_the_spec_endpoints_ends_with_a_slash():
    schema = APIClient().get(reverse("api-schema"), {"format": "json"}).json()

    slashless = [path for path in schema["paths"] if not path.endswith("/")]

    assert sorted(slashless) == sorted(SPEC_ENDPOINTS)
    assert all(f"{path}/" in schema["paths"] for path in SPEC_ENDPOINTS)
