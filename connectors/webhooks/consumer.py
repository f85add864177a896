"""The outbox consumer that turns every event into webhook deliveries.

One consumer per event type, named ``webhooks:<event type>``, registered whenever the outbox
starts recording an event type, so events declared after start-up are covered as well. Going
through the outbox makes the fan-out itself at-least-once with one effect: the deliveries are
created in the consumer's transaction, with its processed-event record.
"""

from __future__ import annotations

from cadence.kernel.events import DomainEvent, EventEnvelope
from connectors import registry

CONSUMER_PREFIX = "webhooks:"


def webhook_consumer_register(event: DomainEvent) -> None:
    name = CONSUMER_PREFIX + event.event_type
    if registry.consumer_named(name) is None:
        registry.subscribe(event, name=name)(webhook_deliveries_for_event)


def webhook_deliveries_for_event(envelope: EventEnvelope) -> None:
    from connectors.webhooks.services import webhook_deliveries_create

    webhook_deliveries_create(
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        occurred_at=envelope.occurred_at,
        data=envelope.payload_json(),
    )
