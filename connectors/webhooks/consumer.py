"""The outbox consumer that turns every event into webhook deliveries.

One consumer per event type, named ``webhooks:<event type>``, registered whenever the outbox
starts recording an event type, so events declared after start-up are covered as well. Going
through the outbox makes the fan-out itself at-least-once with one effect: the deliveries are
created in the consumer's transaction, with its processed-event record.

Commerce's ``order.paid`` goes out as itself and, for each of its items, as the
``payment.completed`` that subscribers received per item before ``order.paid`` replaced it
(with the item's own event id from the order's payload), all from the one delivery.
"""

from __future__ import annotations

from cadence.kernel.events import DomainEvent, EventEnvelope, to_json
from commerce.data import OrderPaid
from commerce.events import order_paid, payment_completed
from connectors import registry

CONSUMER_PREFIX = "webhooks:"


def webhook_consumer_register(event: DomainEvent) -> None:
    name = CONSUMER_PREFIX + event.event_type
    if registry.consumer_named(name, event.event_type) is None:
        handler = SPECIAL_HANDLERS.get(event.event_type, webhook_deliveries_for_event)
        registry.subscribe(event, name=name)(handler)


def webhook_deliveries_for_event(envelope: EventEnvelope) -> None:
    from connectors.webhooks.services import webhook_deliveries_create

    webhook_deliveries_create(
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        occurred_at=envelope.occurred_at,
        data=envelope.payload_json(),
    )


def webhook_deliveries_for_order_paid(envelope: EventEnvelope) -> None:
    """``order.paid`` and each item's ``payment.completed``, in one read of the subscriptions
    and one write."""
    from connectors.webhooks.services import OutgoingEvent, webhook_deliveries_create_many

    order: OrderPaid = envelope.payload
    webhook_deliveries_create_many(
        [
            OutgoingEvent(
                event_id=envelope.event_id,
                event_type=envelope.event_type,
                occurred_at=envelope.occurred_at,
                data=envelope.payload_json(),
            )
        ]
        + [
            OutgoingEvent(
                event_id=item_event_id,
                event_type=payment_completed.event_type,
                occurred_at=envelope.occurred_at,
                data=to_json(item),
            )
            for item, item_event_id in zip(order.items, order.item_event_ids, strict=True)
        ]
    )


SPECIAL_HANDLERS = {order_paid.event_type: webhook_deliveries_for_order_paid}
