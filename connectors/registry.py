"""Which consumer handles which event.

A consumer is a function in ``connectors`` that turns one context's event into a call of another
context's ``api``. It is registered under a stable name, the key of its outbox deliveries and of its
processed-event records, so renaming a consumer is a data migration, not a refactor.
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


_consumers: dict[str, Consumer] = {}


def subscribe(event: DomainEvent, *, name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the consumer ``name`` of ``event``."""

    def register(handle: Handler) -> Handler:
        existing = _consumers.get(name)
        if existing is not None and existing.handle is not handle:
            raise ValueError(f"consumer {name!r} is registered twice")
        _consumers[name] = Consumer(name=name, event=event, handle=handle)
        from connectors.outbox.recorder import record_event_type

        record_event_type(event)
        return handle

    return register


def consumers_of(event_type: str) -> list[Consumer]:
    return [c for c in _consumers.values() if c.event.event_type == event_type]


def consumer_named(name: str) -> Consumer | None:
    return _consumers.get(name)
