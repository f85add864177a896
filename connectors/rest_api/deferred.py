"""Requests accepted with ``Prefer: respond-async``: processed on a worker, their answer read at
``GET /api/v1/connectors/inbound-requests/<id>/``."""

from __future__ import annotations

import logging

from django.core.cache import cache
from rest_framework.response import Response

from connectors.errors import InboundRequestNotFound
from connectors.inbound.idempotency import (
    InboundRequestFailed,
    inbound_request_answer,
    inbound_request_answer_next,
    inbound_request_of_key,
)
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


logger = logging.getLogger(__name__)

# Set while a drain is queued and has not started: the requests accepted meanwhile queue none.
DRAIN_QUEUED_FLAG = "connectors:inbound-drain-queued"
# Should the queued drain be lost, the flag lapses and the next request queues another (and the
# beat sweep, ``connectors.inbound_request_sweep``, finds any request left waiting).
DRAIN_QUEUED_SECONDS = 10
# Requests one drain answers before it queues the next (so that one task stays short).
DRAIN_BATCH = 200


def _effect_for(record: InboundRequest):
    """The effect of an accepted request: its stored body validated again by its endpoint's
    serializer (it passed at acceptance), run for the key that sent it, as the synchronous call
    would have run it."""
    view = SPEC_ENDPOINT_VIEWS[record.endpoint]()
    serializer = view.InputSerializer(data=record.request_body)
    serializer.is_valid(raise_exception=True)
    body = serializer.validated_data
    return lambda: view.effect(body, record.connector_key_id)


def inbound_request_process(record_id: int) -> int:
    """Answer an accepted request (once; a second call finds the answer); return its status."""
    answered = inbound_request_answer(
        record_id=record_id, effect_for=_effect_for, refusal_answer=refusal_answer
    )
    return answered.status


def inbound_requests_drain_wake(queue_drain) -> bool:
    """After a request was accepted (committed) to be answered later: call ``queue_drain`` (which
    queues ``inbound_requests_drain``) unless a drain is queued already and has not started;
    return whether it was called.

    A drain clears the flag before it looks for waiting requests, so a request committed
    before the flag was found set is one the queued drain will see: one message a burst, not
    one a request.
    """
    if not cache.add(DRAIN_QUEUED_FLAG, 1, timeout=DRAIN_QUEUED_SECONDS):
        return False
    try:
        queue_drain()
    except BaseException:
        cache.delete(DRAIN_QUEUED_FLAG)  # not queued: the next request tries again
        raise
    return True


def inbound_requests_drain(*, limit: int | None = None) -> tuple[int, bool]:
    """Answer up to ``limit`` (``DRAIN_BATCH``) waiting requests, oldest first, each in its own
    transaction; return how many were answered and whether more may wait.

    Call it only as a drain starts (``connectors.inbound_requests_drain``): it clears the
    queued flag first. A request whose answer fails with an error that is not a refusal stays
    waiting (logged, and left for the sweep); the others are answered all the same. Should
    ``limit`` requests fail, no more is said to wait: the sweep tries them again.
    """
    limit = limit or DRAIN_BATCH
    cache.delete(DRAIN_QUEUED_FLAG)
    answered, failed = 0, []
    while len(failed) < limit:
        if answered == limit:
            return answered, True
        try:
            record_id = inbound_request_answer_next(
                effect_for=_effect_for, refusal_answer=refusal_answer, skipping=failed
            )
        except InboundRequestFailed as error:
            logger.exception("inbound request %s: no answer; it waits", error.record_id)
            failed.append(error.record_id)
            continue
        if record_id is None:
            return answered, False
        answered += 1
    return answered, False


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
