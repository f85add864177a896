"""How a connector endpoint answers once per natural key, in DRF terms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.response import Response

from connectors.inbound.idempotency import Effect, inbound_request_once
from connectors.inbound.ownership import Kind, Named, outside_records_claim

REPLAYED_HEADER = "Idempotent-Replayed"


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


def own_records_only(request, named: list[Named]) -> None:
    """Refuse (403 naming the field) unless the calling key's system created all of ``named``;
    call it first thing in an effect, so that a refusal writes nothing."""
    outside_records_claim(connector_key_id=request.user.key_id, named=named)
