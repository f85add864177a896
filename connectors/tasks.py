import logging
from datetime import UTC, datetime

from celery import shared_task

from connectors.inbound.idempotency import inbound_requests_unanswered
from connectors.outbox.recorder import enqueue_deliveries
from connectors.outbox.services import outbox_deliveries_due, outbox_delivery_attempt
from connectors.reconciliation import reconcile
from connectors.webhooks.services import (
    enqueue_webhook_deliveries,
    webhook_deliveries_due,
    webhook_delivery_attempt,
)

logger = logging.getLogger(__name__)


@shared_task(name="connectors.outbox_deliver", bind=True, max_retries=None)
def outbox_deliver(self, delivery_id: int) -> str:
    outcome = outbox_delivery_attempt(delivery_id=delivery_id)
    # Run eagerly (embedded mode), there is no broker to hold a delayed retry: try again now.
    while outcome.retry_in_seconds is not None and self.request.is_eager:
        outcome = outbox_delivery_attempt(delivery_id=delivery_id, before_due=True)
    if outcome.retry_in_seconds is not None:
        raise self.retry(countdown=outcome.retry_in_seconds)
    return outcome.status


@shared_task(name="connectors.outbox_sweep")
def outbox_sweep() -> int:
    due = outbox_deliveries_due()
    enqueue_deliveries(due)
    return len(due)


@shared_task(name="connectors.webhook_deliver", bind=True, max_retries=None)
def webhook_deliver(self, delivery_id: int) -> str:
    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    # Run eagerly (embedded mode) a retry would hold up the web request; the sweep takes it.
    if outcome.retry_in_seconds is not None and not self.request.is_eager:
        # A second late: the claim must have lapsed when the retry arrives.
        raise self.retry(countdown=outcome.retry_in_seconds + 1)
    return outcome.status


@shared_task(name="connectors.webhook_sweep")
def webhook_sweep() -> int:
    due = webhook_deliveries_due()
    enqueue_webhook_deliveries(due)
    return len(due)


@shared_task(name="connectors.reconcile")
def reconcile_daily() -> int:
    """The daily reconciliation; findings are logged, dead events re-delivered."""
    findings = reconcile(repair=True)
    for finding in findings:
        logger.warning("reconcile %s %s: %s", finding.kind, finding.order_item_id, finding.problem)
    return len(findings)


@shared_task(name="connectors.inbound_request_process")
def inbound_request_process(record_id: int) -> int:
    """Answer a request accepted with ``Prefer: respond-async``; a second run changes nothing.
    (What the sweep queued before drains; kept so that such messages still run.)"""
    from connectors.rest_api.deferred import inbound_request_process as process

    return process(record_id)


@shared_task(name="connectors.inbound_requests_drain")
def inbound_requests_drain(not_before: float | None = None) -> int:
    """Answer the requests waiting to be answered later, a batch at a time: queued by the
    requests accepted for later, one a hold (``inbound_requests_drain_wake``), to look at
    ``not_before``; then by itself, at once, while some wait."""
    from connectors.rest_api.deferred import inbound_requests_drain as drain

    answered, more = drain(not_before=not_before)
    if more:
        inbound_requests_drain.delay()
    return answered


def inbound_requests_drain_wake() -> bool:
    """Make sure a drain will see a request just accepted: queue one unless a queued one will."""
    from connectors.rest_api.deferred import DRAIN_HOLD_SECONDS
    from connectors.rest_api.deferred import inbound_requests_drain_wake as wake

    # Run eagerly, a drain runs in the request that queues it: it must not hold off there.
    hold = 0 if inbound_requests_drain.app.conf.task_always_eager else DRAIN_HOLD_SECONDS
    return wake(_drain_queue, hold=hold)


def _drain_queue(looks_at: float) -> None:
    inbound_requests_drain.apply_async(
        kwargs={"not_before": looks_at}, eta=datetime.fromtimestamp(looks_at, tz=UTC)
    )


def inbound_requests_drain_all() -> int:
    """Answer every waiting request in this process (benchmarks, a shell); return how many."""
    from connectors.rest_api.deferred import inbound_requests_drain as drain

    total, more = 0, True
    while more:
        answered, more = drain()
        total += answered
    return total


# A request accepted this long ago and still unanswered had its queued processing lost.
INBOUND_REQUEST_LOST_AFTER_SECONDS = 60


@shared_task(name="connectors.inbound_request_sweep")
def inbound_request_sweep() -> int:
    """The safety net: requests left waiting (their drain lost, or failed) get a drain."""
    unanswered = inbound_requests_unanswered(older_than_seconds=INBOUND_REQUEST_LOST_AFTER_SECONDS)
    if unanswered:
        inbound_requests_drain.delay()
    return len(unanswered)
