"""The outbox consumer that turns every event into webhook deliveries.

One consumer per event type, named ``webhooks:<event type>``, registered whenever the outbox
starts recording an event type, so events declared after start-up are covered as well. Going
through the outbox makes the fan-out itself at-least-once with one effect: the deliveries are
created in the consumer's transaction, with its processed-event record.

Commerce's ``order.paid`` goes out as itself and, for each of its items, as the
``payment.completed`` that subscribers received per item before ``order.paid`` replaced it
(with the item's own event id from the order's payload), all from the one delivery. The LMS's
``order_enrollments.requested`` likewise goes out as itself and as each new enrollment's
``enrollment.requested``.
"""

from __future__ import annotations

from cadence.kernel.events import DomainEvent, EventEnvelope, to_json
from commerce.data import OrderPaid
from commerce.events import order_paid, payment_completed
from connectors import registry
from lms.data import OrderEnrollmentsRequested
from lms.events import enrollment_requested, order_enrollments_requested

CONSUMER_PREFIX = "webhooks:"


def webhook_consumer_register(event: DomainEvent) -> None:
    name = webhook_consumer_name(event.event_type)
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
    order: OrderPaid = envelope.payload
    _deliveries_with_parts(
        envelope, payment_completed.event_type, zip(order.items, order.item_event_ids, strict=True)
    )


def webhook_deliveries_for_order_enrollments(envelope: EventEnvelope) -> None:
    """``order_enrollments.requested`` and each enrollment's ``enrollment.requested``, in one
    read of the subscriptions and one write."""
    order: OrderEnrollmentsRequested = envelope.payload
    _deliveries_with_parts(
        envelope,
        enrollment_requested.event_type,
        zip(order.enrollments, order.enrollment_event_ids, strict=True),
    )


def _deliveries_with_parts(envelope: EventEnvelope, part_type: str, parts) -> None:
    """The event as itself and each of its ``parts`` (a payload and its own event id) as an
    event of ``part_type``, at the event's time."""
    from connectors.webhooks.services import OutgoingEvent, webhook_deliveries_create_many

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
                event_id=part_event_id,
                event_type=part_type,
                occurred_at=envelope.occurred_at,
                data=to_json(part),
            )
            for part, part_event_id in parts
        ]
    )


SPECIAL_HANDLERS = {
    order_paid.event_type: webhook_deliveries_for_order_paid,
    order_enrollments_requested.event_type: webhook_deliveries_for_order_enrollments,
}

# The types an event goes out as, when not only as itself.
SENT_AS = {
    order_paid.event_type: (order_paid.event_type, payment_completed.event_type),
    order_enrollments_requested.event_type: (
        order_enrollments_requested.event_type,
        enrollment_requested.event_type,
    ),
}


def webhook_consumer_name(event_type: str) -> str:
    return CONSUMER_PREFIX + event_type


def webhook_event_types(event_type: str) -> tuple[str, ...]:
    """The event types a subscription may want for the event to go out to it."""
    return SENT_AS.get(event_type, (event_type,))
