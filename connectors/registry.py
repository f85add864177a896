"""Which consumer handles which event.

A consumer is a function in ``connectors`` that turns one context's event into a call of another
context's ``api``. It is registered under a stable name, the key of its outbox deliveries and of its
processed-event records, so renaming a consumer is a data migration, not a refactor.

One name may handle several event types, one function each: when a context replaces an event by
another that states the same fact (commerce's per-item ``payment.completed`` by the per-order
``order.paid``), the consumer keeps its name and meaning, and the deliveries of the old event
already queued are still handled by the old event's function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cadence.kernel.events import DomainEvent, EventEnvelope

Handler = Callable[[EventEnvelope], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    event: DomainEvent
    handle: Handler


# By name, then by event type.
_consumers: dict[str, dict[str, Consumer]] = {}


def subscribe(event: DomainEvent, *, name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the consumer ``name`` of ``event``."""

    def register(handle: Handler) -> Handler:
        by_type = _consumers.setdefault(name, {})
        existing = by_type.get(event.event_type)
        if existing is not None and existing.handle is not handle:
            raise ValueError(f"consumer {name!r} of {event.event_type} is registered twice")
        by_type[event.event_type] = Consumer(name=name, event=event, handle=handle)
        from connectors.outbox.recorder import record_event_type

        record_event_type(event)
        return handle

    return register


def consumers_of(event_type: str) -> list[Consumer]:
    return [by_type[event_type] for by_type in _consumers.values() if event_type in by_type]


def consumer_named(name: str, event_type: str | None = None) -> Consumer | None:
    """The consumer ``name`` of ``event_type``; without a type, the one a name has only one of."""
    by_type = _consumers.get(name, {})
    if event_type is not None:
        return by_type.get(event_type)
    if len(by_type) > 1:
        raise LookupError(f"consumer {name!r} handles several event types: name one")
    return next(iter(by_type.values()), None)
