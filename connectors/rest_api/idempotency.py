"""How a connector endpoint answers once per natural key, in DRF terms: at once, or, when the
caller prefers (``Prefer: respond-async``), later, at an address it polls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from rest_framework import serializers
from rest_framework.response import Response

from cadence.api import exception_handler
from cadence.kernel.errors import ApplicationError
from connectors.inbound.idempotency import (
    Effect,
    inbound_request_accept,
    inbound_request_once,
)
from connectors.inbound.ownership import Kind, Named, outside_records_claim
from connectors.inbound.verification import KEY_FIELD
from connectors.rest_api.authentication import ConnectorAPIView

REPLAYED_HEADER = "Idempotent-Replayed"
PREFER_ASYNC = "respond-async"  # RFC 7240
# How long a caller waits before it asks again for the answer of a request accepted for later.
RETRY_AFTER_SECONDS = 1


def idempotent_response(
    request,
    *,
    endpoint: str,
    natural_key: Mapping[str, str],
    payload: Mapping[str, Any],
    effect: Effect,
) -> Response:
    """The answer of ``effect`` the first time, the recorded answer on every same repeat by the
    same connector key (``request.user``).

    ``payload`` is the validated input (without ``apiKey``); a repeat is marked with an
    ``Idempotent-Replayed: true`` header so the caller can tell, though the body is the same.
    """
    recorded = inbound_request_once(
        endpoint=endpoint,
        natural_key=natural_key,
        payload=payload,
        effect=effect,
        connector_key_id=request.user.key_id,
    )
    headers = {REPLAYED_HEADER: "true"} if recorded.replayed else None
    return Response(recorded.body, status=recorded.status, headers=headers)


def prefers_async(request) -> bool:
    """Whether the caller sent ``Prefer: respond-async`` (among other preferences or not)."""
    for header in request.headers.get("Prefer", "").split(","):
        preference = header.split(";", 1)[0].split("=", 1)[0].strip().lower()
        if preference == PREFER_ASYNC:
            return True
    return False


def pending_response(public_id: str) -> Response:
    """202: accepted, the answer not known yet; ``Location`` is where it will be."""
    location = reverse("connector-inbound-request", args=[public_id])
    return Response(
        {"requestId": public_id, "status": "pending", "location": location},
        status=202,
        headers={"Location": location, "Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def refusal_answer(error: Exception) -> tuple[int, dict[str, Any]] | None:
    """The status and body the API gives for ``error`` when it refuses a request (a domain
    error, a validation error), exactly as a synchronous answer; ``None`` for any other."""
    if not isinstance(error, (ApplicationError, serializers.ValidationError)):
        return None
    response = exception_handler(error, {})
    return response.status_code, response.data


class SpecEndpointView(ConnectorAPIView):
    """One of the spec's four POST endpoints: validate the body, then answer once per key and
    natural key, at once or (``Prefer: respond-async``) later.

    A subclass names its ``endpoint``, its ``InputSerializer``, the ``natural_key`` of a valid
    body and its ``effect``; the effect is the same whichever mode runs it.
    """

    body_only_signature_accepted = True  # the spec's POST: v1 is still accepted here
    endpoint: str
    InputSerializer: type[serializers.Serializer]

    def natural_key(self, body: Mapping[str, Any]) -> dict[str, str]:
        raise NotImplementedError

    def effect(self, body: Mapping[str, Any], connector_key_id: int) -> tuple[int, dict]:
        """Act on a valid body for the key; return the HTTP status and body to answer."""
        raise NotImplementedError

    def answer(self, request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data
        if prefers_async(request):
            return self.answer_later(request, body)
        return idempotent_response(
            request,
            endpoint=self.endpoint,
            natural_key=self.natural_key(body),
            payload=body,
            effect=lambda: self.effect(body, request.user.key_id),
        )

    def answer_later(self, request, body: Mapping[str, Any]) -> Response:
        """``Prefer: respond-async``: keep the request, process it on a worker, answer 202 with
        where to read the answer; a repeat of a request answered already gets that answer."""
        from connectors.tasks import inbound_requests_drain_wake

        accepted = inbound_request_accept(
            endpoint=self.endpoint,
            natural_key=self.natural_key(body),
            payload=body,
            # The key is a credential: only its hash is ever stored.
            request_body={name: value for name, value in request.data.items() if name != KEY_FIELD},
            connector_key_id=request.user.key_id,
            process_later=lambda _record_id: inbound_requests_drain_wake(),
        )
        if accepted.answered is not None:
            answered = accepted.answered
            headers = {REPLAYED_HEADER: "true"} if answered.replayed else None
            return Response(answered.body, status=answered.status, headers=headers)
        response = pending_response(accepted.public_id)
        response["Preference-Applied"] = PREFER_ASYNC
        return response


def order_item_key(body: Mapping[str, Any]) -> dict[str, str]:
    """The natural key of a body about one order item: its order and item."""
    payload = body["payload"]
    return {"orderId": payload["orderId"], "orderItemId": payload["orderItemId"]}


def enrollment_event_key(body: Mapping[str, Any]) -> dict[str, str]:
    """The natural key of an event about one enrollment: the enrollment and the event."""
    return {"enrollmentId": body["payload"]["enrollmentId"], "event": body["event"]}


def sale_named(payload: Mapping[str, Any]) -> list[Named]:
    """The order and order item a spec body names, and where."""
    return [
        Named(Kind.ORDER, payload["orderId"], "payload.orderId"),
        Named(Kind.ORDER_ITEM, payload["orderItemId"], "payload.orderItemId"),
    ]


def enrollment_named(payload: Mapping[str, Any]) -> list[Named]:
    """The enrollment a spec body names, then its order and order item."""
    enrollment = Named(Kind.ENROLLMENT, payload["enrollmentId"], "payload.enrollmentId")
    return [enrollment, *sale_named(payload)]


def own_records_only(connector_key_id: int, named: list[Named]) -> None:
    """Refuse (403 naming the field) unless the calling key's system created all of ``named``;
    call it first thing in an effect, so that a refusal writes nothing."""
    outside_records_claim(connector_key_id=connector_key_id, named=named)
