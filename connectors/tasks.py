from celery import shared_task

from connectors.outbox.recorder import enqueue_deliveries
from connectors.outbox.services import outbox_deliveries_due, outbox_delivery_attempt


@shared_task(name="connectors.outbox_deliver", bind=True, max_retries=None)
def outbox_deliver(self, delivery_id: int) -> str:
    outcome = outbox_delivery_attempt(delivery_id=delivery_id)
    # Run eagerly (embedded mode), there is no broker to hold a delayed retry: try again now.
    while outcome.retry_in_seconds is not None and self.request.is_eager:
        outcome = outbox_delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in_seconds is not None:
        raise self.retry(countdown=outcome.retry_in_seconds)
    return outcome.status


@shared_task(name="connectors.outbox_sweep")
def outbox_sweep() -> int:
    due = outbox_deliveries_due()
    enqueue_deliveries(due)
    return len(due)
