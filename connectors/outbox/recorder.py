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
from connectors.models import OutboxDelivery, OutboxEvent, WebhookSubscription

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
    """Write the event and its deliveries; ask for delivery once the transaction commits.

    The outbound webhooks' fan-out gets a delivery only if an active subscription may want the
    event (as itself or as what it goes out as): with none, there is nobody to send it to, and
    a fan-out that finds nobody would cost a claim, a read and a commit for nothing. An event
    goes out to the subscriptions active when it is recorded and still active at its fan-out.
    """
    from connectors.webhooks.consumer import webhook_consumer_name, webhook_event_types

    # The on-commit kick delivers at once; the sweep only takes rows the kick left behind.
    sweep_after = timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    consumers = [consumer.name for consumer in registry.consumers_of(envelope.event_type)]
    webhooks = webhook_consumer_name(envelope.event_type)
    sent_as = webhook_event_types(envelope.event_type)
    if connection.vendor == "postgresql":
        delivery_ids = _one_statement_record(envelope, consumers, sweep_after, webhooks, sent_as)
    else:
        event = OutboxEvent.objects.create(
            event_id=envelope.event_id,
            event_type=envelope.event_type,
            payload=envelope.payload_json(),
            occurred_at=envelope.occurred_at,
        )
        delivery_ids = _deliveries_insert(event.pk, consumers, sweep_after, webhooks, sent_as)
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return delivery_ids


def _deliveries_insert(
    event_pk: int, consumers: list[str], sweep_after, webhooks: str, sent_as: tuple[str, ...]
) -> list[int]:
    """SQLite's deliveries in one statement, with the same choice of the webhooks' fan-out as
    ``_one_statement_record`` (SQLite's spelling of it)."""
    delivery_table = connection.ops.quote_name(OutboxDelivery._meta.db_table)
    subscription_table = connection.ops.quote_name(WebhookSubscription._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {delivery_table} (event_id, consumer, status, attempts, "  # noqa: S608
            "next_attempt_at, last_attempt_at, last_error, delivered_at, created_at) "
            "SELECT %s, c.value, %s, 0, %s, NULL, '', NULL, %s FROM json_each(%s) AS c "
            "WHERE c.value <> %s OR EXISTS ("
            f"SELECT 1 FROM {subscription_table} s WHERE s.is_active AND ("
            "trim(s.event_types, ' ' || char(9, 10, 11, 12, 13)) = '' "
            "OR instr(s.event_types, '*') > 0 OR instr(s.event_types, '?') > 0 "
            "OR instr(s.event_types, '[') > 0 "
            "OR EXISTS (SELECT 1 FROM json_each(%s) AS t "
            "WHERE instr(s.event_types, t.value) > 0))) "
            "ORDER BY c.key RETURNING id",
            [
                event_pk,
                OutboxDelivery.Status.PENDING,
                connection.ops.adapt_datetimefield_value(sweep_after),
                connection.ops.adapt_datetimefield_value(timezone.now()),
                json.dumps(consumers),
                webhooks,
                json.dumps(list(sent_as)),
            ],
        )
        return sorted(delivery_id for (delivery_id,) in cursor.fetchall())


def _one_statement_record(
    envelope: EventEnvelope,
    consumers: list[str],
    sweep_after,
    webhooks: str,
    sent_as: tuple[str, ...],
) -> list[int]:
    """The event and its deliveries in one round trip (PostgreSQL's writing WITH): every event
    of every order pays this, so it is worth a statement the ORM cannot write.

    The webhooks' fan-out is left out when no active subscription may want the event. "May":
    a subscription with no types, with a pattern (``*``, ``?``, ``[``), or whose text holds one
    of the types; a few too many fan-outs (``cadence.lms.enrollment.requested.v1`` inside a
    longer line) only find nobody to send to, as every fan-out did before."""
    event_table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    delivery_table = connection.ops.quote_name(OutboxDelivery._meta.db_table)
    subscription_table = connection.ops.quote_name(WebhookSubscription._meta.db_table)
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
            "WHERE c.consumer <> %s OR EXISTS ("
            f"SELECT 1 FROM {subscription_table} s WHERE s.is_active AND ("
            "s.event_types !~ '\\S' OR strpos(s.event_types, '*') > 0 "
            "OR strpos(s.event_types, '?') > 0 OR strpos(s.event_types, '[') > 0 "
            "OR EXISTS (SELECT 1 FROM unnest(%s::text[]) AS t(event_type) "
            "WHERE strpos(s.event_types, t.event_type) > 0))) "
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
                webhooks,
                list(sent_as),
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
