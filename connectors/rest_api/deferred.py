"""Requests accepted with ``Prefer: respond-async``: processed on a worker, their answer read at
``GET /api/v1/connectors/inbound-requests/<id>/``."""

from __future__ import annotations

from rest_framework.response import Response

from connectors.errors import InboundRequestNotFound
from connectors.inbound.idempotency import inbound_request_answer, inbound_request_of_key
from connectors.models import InboundRequest
from connectors.rest_api.authentication import ConnectorAPIView
from connectors.rest_api.enrollments import EnrollmentRequestView, EnrollmentStatusView
from connectors.rest_api.idempotency import SpecEndpointView, pending_response, refusal_answer
from connectors.rest_api.payouts import CourseCompletionView, RevenueRecordedView
from connectors.rest_api.schema import inbound_request_schema

SPEC_ENDPOINT_VIEWS: dict[str, type[SpecEndpointView]] = {
    view.endpoint: view
    for view in (
        EnrollmentRequestView,
        EnrollmentStatusView,
        CourseCompletionView,
        RevenueRecordedView,
    )
}


def inbound_request_process(record_id: int) -> int:
    """Answer an accepted request (once; a second call finds the answer); return its status.

    The stored body is validated again by its endpoint's serializer (it passed at acceptance)
    and its effect runs for the key that sent it, as the synchronous call would have run it.
    """

    def effect_for(record: InboundRequest):
        view = SPEC_ENDPOINT_VIEWS[record.endpoint]()
        serializer = view.InputSerializer(data=record.request_body)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data
        return lambda: view.effect(body, record.connector_key_id)

    answered = inbound_request_answer(
        record_id=record_id, effect_for=effect_for, refusal_answer=refusal_answer
    )
    return answered.status


class InboundRequestView(ConnectorAPIView):
    """The answer of a request accepted with ``Prefer: respond-async``, for the key that sent it.

    ``202`` with ``Retry-After`` while it waits for a worker; then the very status and body the
    synchronous call would have answered. Another key's request is a 404, as is an unknown id.
    """

    @inbound_request_schema()
    def get(self, request, request_id: str):
        record = inbound_request_of_key(public_id=request_id, connector_key_id=request.user.key_id)
        if record is None:
            raise InboundRequestNotFound(f"no request of this key has the id {request_id}")
        if record.response_status is None:
            return pending_response(record.public_id)
        return Response(record.response_body, status=record.response_status)
