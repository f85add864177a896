"""Stores every published event, and a delivery per consumer, in the publisher's transaction."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
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
    # The on-commit kick delivers at once; the sweep only takes rows the kick left behind.
    sweep_after = timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    consumers = [consumer.name for consumer in registry.consumers_of(envelope.event_type)]
    if connection.vendor == "postgresql":
        delivery_ids = _one_statement_record(envelope, consumers, sweep_after)
    else:
        event = OutboxEvent.objects.create(
            event_id=envelope.event_id,
            event_type=envelope.event_type,
            payload=envelope.payload_json(),
            occurred_at=envelope.occurred_at,
        )
        deliveries = OutboxDelivery.objects.bulk_create(
            OutboxDelivery(event=event, consumer=name, next_attempt_at=sweep_after)
            for name in consumers
        )
        delivery_ids = [delivery.pk for delivery in deliveries]
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return delivery_ids


def _one_statement_record(envelope: EventEnvelope, consumers: list[str], sweep_after) -> list[int]:
    """The event and its deliveries in one round trip (PostgreSQL's writing WITH): every event
    of every order pays this, so it is worth a statement the ORM cannot write."""
    event_table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    delivery_table = connection.ops.quote_name(OutboxDelivery._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH event AS (INSERT INTO {event_table} "  # noqa: S608  (our table names)
            "(event_id, event_type, payload, occurred_at, recorded_at) "
            "VALUES (%s, %s, %s::jsonb, %s, %s) RETURNING id) "
            f"INSERT INTO {delivery_table} (event_id, consumer, status, attempts, "
            "next_attempt_at, last_attempt_at, last_error, delivered_at, created_at) "
            "SELECT event.id, consumer, %s, 0, %s, NULL, '', NULL, %s "
            "FROM event, unnest(%s::varchar[]) WITH ORDINALITY AS c(consumer, n) "
            "ORDER BY c.n RETURNING id",
            [
                envelope.event_id,
                envelope.event_type,
                json.dumps(envelope.payload_json()),
                envelope.occurred_at,
                now,
                OutboxDelivery.Status.PENDING,
                sweep_after,
                now,
                consumers,
            ],
        )
        return [delivery_id for (delivery_id,) in cursor.fetchall()]


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    from connectors.tasks import outbox_deliver

    for delivery_id in delivery_ids:
        try:
            outbox_deliver.delay(delivery_id)
        except Exception:
            # The broker may be down; the row is committed and the sweep will deliver it.
            logger.exception("could not enqueue outbox delivery %s; the sweep will", delivery_id)
