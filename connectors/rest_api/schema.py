"""How the API docs describe the spec's connector endpoints and their answer-later mode."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers


class PendingSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ConnectorRequestPending"

    requestId = serializers.CharField(help_text="The accepted request's id (`inr_…`).")
    status = serializers.ChoiceField(choices=["pending"])
    location = serializers.CharField(help_text="Where its answer will be: GET it, signed.")


PREFER = OpenApiParameter(
    "Prefer",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "`respond-async` (RFC 7240): accept the request now and process it on a worker. The "
        "signature, the key, its scope and rate limit and the body are checked first, as "
        "always (401/403/429/400, nothing stored); the request is then stored and answered "
        "`202 Accepted` with a `Location` to GET (signed) for the final answer: the same "
        "status and body the synchronous call gives. The same request again, in either mode, "
        "gets the recorded answer (or the same `Location` while there is none yet); another "
        "body for the same natural key is a 409 as always. Without it the request is answered "
        "at once."
    ),
)

PENDING = OpenApiResponse(
    PendingSerializer,
    description=(
        "Accepted with `Prefer: respond-async`: stored, to be processed on a worker. "
        "`Location` and `Retry-After` (seconds) say where and when to ask for the answer."
    ),
)


def spec_endpoint_schema(*, request, status: int, response):
    """``extend_schema`` for one of the four spec endpoints: its answer, and 202 when the caller
    prefers to be answered later."""
    return extend_schema(
        request=request,
        parameters=[PREFER],
        responses={status: response, 202: PENDING},
    )


def inbound_request_schema():
    """``extend_schema`` for reading the answer of a request accepted for later."""
    return extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "The final answer, with the status the synchronous call gives: 200 or 201 "
                    "and the endpoint's body, or its refusal (403, 404, 409, …) and the error "
                    "body. Every status other than 202 is that answer."
                ),
            ),
            202: PENDING,
        },
    )
