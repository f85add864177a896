"""Typed, versioned domain events.

A context declares its events in its ``events.py``::

    enrollment_approved = DomainEvent("cadence.lms.enrollment.approved.v1", EnrollmentApproved)

and publishes one inside the transaction that made the fact true::

    with transaction.atomic():
        ...
        enrollment_approved.publish(EnrollmentApproved(...))

``publish`` sends a Django signal carrying an ``EventEnvelope``. Receivers (the connectors' outbox)
run in that same transaction, so the event exists if and only if the fact was committed. Payloads
are frozen dataclasses from the context's ``data.py``; they convert to and from JSON here so that
an outbox can store them and a consumer can read them back as the same type.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from cadence.kernel.public_ids import new_public_id

EVENT_TYPE = re.compile(r"^cadence\.[a-z_]+(\.[a-z_]+)+\.v[0-9]+$")


@dataclass(frozen=True)
class EventEnvelope:
    event_id: str
    event_type: str
    occurred_at: datetime
    payload: Any

    def payload_json(self) -> dict[str, Any]:
        return to_json(self.payload)


class DomainEvent:
    """One kind of fact a context publishes, with its versioned type string and payload type."""

    registry: ClassVar[dict[str, DomainEvent]] = {}

    def __init__(self, event_type: str, payload_type: type):
        if not EVENT_TYPE.match(event_type):
            raise ValueError(
                f"event type {event_type!r} must read cadence.<context>.<entity>.<fact>.v<N>"
            )
        if not (
            dataclasses.is_dataclass(payload_type) and payload_type.__dataclass_params__.frozen
        ):
            raise TypeError(f"{payload_type!r} must be a frozen dataclass")
        if event_type in DomainEvent.registry:
            raise ValueError(f"event type {event_type!r} is declared twice")
        self.event_type = event_type
        self.payload_type = payload_type
        self.signal = Signal()
        DomainEvent.registry[event_type] = self

    def __repr__(self) -> str:
        return f"DomainEvent({self.event_type!r})"

    def publish(self, payload: Any, *, using: str | None = None) -> EventEnvelope:
        """Announce the fact to receivers, inside the caller's transaction.

        Raises if called outside ``transaction.atomic``: an event published outside the transaction
        that made it true could be seen for a fact that then rolls back.
        """
        if not isinstance(payload, self.payload_type):
            raise TypeError(f"{self.event_type} carries {self.payload_type.__name__}")
        if not transaction.get_connection(using).in_atomic_block:
            raise RuntimeError(f"publish {self.event_type} inside the transaction of its fact")
        envelope = EventEnvelope(
            event_id=new_public_id("evt"),
            event_type=self.event_type,
            occurred_at=timezone.now(),
            payload=payload,
        )
        # send(), not send_robust(): a receiver that fails must abort the producer's transaction.
        self.signal.send(sender=self, envelope=envelope)
        return envelope

    def envelope_from_json(
        self, *, event_id: str, occurred_at: datetime, payload: dict[str, Any]
    ) -> EventEnvelope:
        return EventEnvelope(
            event_id=event_id,
            event_type=self.event_type,
            occurred_at=occurred_at,
            payload=from_json(self.payload_type, payload),
        )


def to_json(value: Any) -> Any:
    """Turn a payload (dataclasses, datetimes, lists, dicts, primitives) into JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"{type(value).__name__} is not allowed in an event payload")


def from_json(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` from what ``to_json`` produced."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if data is None:
            return None
        return from_json(options[0], data)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(
            **{
                f.name: from_json(hints[f.name], data[f.name])
                for f in dataclasses.fields(kind)
                if f.name in data
            }
        )
    if origin in (list, tuple):
        args = typing.get_args(kind)
        item_kind = args[0] if args else Any
        items = [from_json(item_kind, item) for item in data]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        _, value_kind = typing.get_args(kind) or (str, Any)
        return {key: from_json(value_kind, item) for key, item in data.items()}
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    return data
