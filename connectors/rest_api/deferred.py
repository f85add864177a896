"""Requests accepted with ``Prefer: respond-async``: processed on a worker, their answer read at
``GET /api/v1/connectors/inbound-requests/<id>/``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

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

# Set while a drain is queued that has not looked for waiting requests yet; its value is when it
# will look (unix seconds), and it lapses then. A request accepted before that moment needs no
# drain of its own: the queued one will see it.
DRAIN_QUEUED_FLAG = "connectors:inbound-drain-queued"
# How long a queued drain holds off before it looks: the requests of that second share it, and
# a web process that knows of it asks the cache nothing more until then (one cache round trip a
# second per process under load, not one a request). An answer comes up to this much later,
# which is what ``Retry-After`` tells the caller anyway.
DRAIN_HOLD_SECONDS = 1
# Clocks of the web and worker machines are taken to agree within this. Were they further apart,
# a request could be left to the next drain or to the beat sweep
# (``connectors.inbound_request_sweep``): answered later than it might be, never lost.
CLOCK_MARGIN_SECONDS = 0.25
clock = time.time  # a test may move it on
sleep = time.sleep
# When the drain this process last saw queued will look; nothing queued after it is seen.
_drain_looks_at = [0.0]
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


def inbound_requests_drain_forget() -> None:
    """Forget the drain this process saw queued (tests: the cache's flag went with the test)."""
    _drain_looks_at[0] = 0.0


def inbound_requests_drain_wake(queue_drain: Callable[[float], None], *, hold: int) -> bool:
    """After a request was accepted (committed) to be answered later: make sure a drain will
    look for it; return whether one was queued for it.

    A drain queued by any process that looks ``hold`` seconds after it was queued (the flag in
    the shared cache says when) will see the request, as long as that moment is still ahead:
    then nothing is queued, and this process, remembering the moment, does not ask the cache
    again before it. Otherwise ``queue_drain(looks_at)`` is called (it queues
    ``inbound_requests_drain`` to look at ``looks_at``, not before). ``hold`` 0 (tasks run
    eagerly, in the request) queues a drain that looks at once for every request.
    """
    now = clock()
    if now < _drain_looks_at[0] - CLOCK_MARGIN_SECONDS:
        return False
    looks_at = now + hold
    if hold and not cache.add(DRAIN_QUEUED_FLAG, looks_at, timeout=hold):
        queued = cache.get(DRAIN_QUEUED_FLAG)
        if queued is not None and now < queued - CLOCK_MARGIN_SECONDS:
            _drain_looks_at[0] = queued
            return False
        # The flag lapsed meanwhile, or its drain looks too soon to be sure: queue our own.
    try:
        queue_drain(looks_at)
    except BaseException:
        cache.delete(DRAIN_QUEUED_FLAG)  # not queued: the next request tries again
        raise
    _drain_looks_at[0] = looks_at
    return True


def inbound_requests_drain(
    *, limit: int | None = None, not_before: float | None = None
) -> tuple[int, bool]:
    """Answer up to ``limit`` (``DRAIN_BATCH``) waiting requests, oldest first, each in its own
    transaction; return how many were answered and whether more may wait.

    A drain queued to look at ``not_before`` waits for that moment first (should its message
    arrive early), so that it sees every request accepted before then. A request whose answer
    fails with an error that is not a refusal stays waiting (logged, and left for the sweep);
    the others are answered all the same. Should ``limit`` requests fail, no more is said to
    wait: the sweep tries them again.
    """
    limit = limit or DRAIN_BATCH
    if not_before is not None:
        early = not_before - clock()
        if early > 0:
            sleep(min(early, DRAIN_HOLD_SECONDS))
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
