"""Stores every published event, and a delivery per consumer, in the publisher's transaction."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cadence.kernel.events import DomainEvent, EventEnvelope
from connectors import registry
from connectors.models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)


def record_all_declared_events() -> None:
    for event in list(DomainEvent.registry.values()):
        record_event_type(event)


def record_event_type(event: DomainEvent) -> None:
    from connectors.webhooks.consumer import webhook_consumer_register

    event.signal.connect(_record, dispatch_uid=f"outbox:{event.event_type}", weak=False)
    # Every recorded event type can go out as a webhook, whoever else consumes it.
    webhook_consumer_register(event)


def _record(sender: DomainEvent, envelope: EventEnvelope, **kwargs) -> None:
    outbox_event_record(envelope=envelope)


def outbox_event_record(*, envelope: EventEnvelope) -> list[int]:
    """Write the event and its deliveries; ask for delivery once the transaction commits."""
    event = OutboxEvent.objects.create(
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        payload=envelope.payload_json(),
        occurred_at=envelope.occurred_at,
    )
    # The on-commit kick delivers at once; the sweep only takes rows the kick left behind.
    sweep_after = timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    deliveries = OutboxDelivery.objects.bulk_create(
        OutboxDelivery(event=event, consumer=consumer.name, next_attempt_at=sweep_after)
        for consumer in registry.consumers_of(envelope.event_type)
    )
    delivery_ids = [delivery.pk for delivery in deliveries]
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return delivery_ids


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    from connectors.tasks import outbox_deliver

    for delivery_id in delivery_ids:
        try:
            outbox_deliver.delay(delivery_id)
        except Exception:
            # The broker may be down; the row is committed and the sweep will deliver it.
            logger.exception("could not enqueue outbox delivery %s; the sweep will", delivery_id)
