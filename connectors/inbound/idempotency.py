"""Inbound idempotency: one effect and one answer per connector key, endpoint and natural key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from cadence.kernel.transactions import rolled_back_whole
from connectors.errors import IdempotencyConflict
from connectors.models import InboundRequest

Effect = Callable[[], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    body: dict[str, Any]
    replayed: bool


def canonical_payload(payload: Any) -> Any:
    """The payload as comparable JSON data: equal numbers compare equal however they were written.

    ``199``, ``199.0`` and ``199.00`` (JSON numbers, read as ``int`` or ``Decimal``) are one
    amount, kept as the normalised decimal text ``"199"``. Strings are left alone: an endpoint
    that accepts ``"199.00"`` as well as ``199.00`` passes its validated value (minor units).
    Validated dates and times are kept as ISO text.
    """
    if isinstance(payload, Mapping):
        return {str(name): canonical_payload(value) for name, value in payload.items()}
    if isinstance(payload, (list, tuple)):
        return [canonical_payload(value) for value in payload]
    if isinstance(payload, bool) or payload is None or isinstance(payload, str):
        return payload
    if isinstance(payload, (int, Decimal)):
        return format(Decimal(payload).normalize(), "f")
    if isinstance(payload, (date, time)):
        return payload.isoformat()
    raise TypeError(f"{type(payload).__name__} cannot be part of an idempotent payload")


def payload_hash(canonical: Any) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def natural_key_text(natural_key: Mapping[str, str]) -> str:
    """``orderId=ord_1&orderItemId=oi_2``: readable, and the same whatever the dict order."""
    return "&".join(f"{name}={natural_key[name]}" for name in sorted(natural_key))


def inbound_request_once(
    *,
    endpoint: str,
    natural_key: Mapping[str, str],
    payload: Mapping[str, Any],
    effect: Effect,
    connector_key_id: int,
) -> RecordedResponse:
    """Run ``effect`` once per key, ``endpoint`` and ``natural_key``; answer the key's repeats
    from its record.

    The record is the key's own: another key sending the same natural key is not given this
    key's answer (which may hold what only this key should learn, such as an enrollment id); its
    request runs its own effect, which decides whether that key may act on what it names.

    ``effect`` does the work (calls a context's api) and returns the HTTP status and body to give.
    It runs in this function's transaction together with the record, so if it raises, nothing
    is recorded. A concurrent first request with the same key waits on the unique constraint and
    then gets the answer of the one that went first. A repeat whose payload differs raises
    ``IdempotencyConflict`` naming the fields that differ.
    """
    key_text = natural_key_text(natural_key)
    canonical = canonical_payload(payload)
    digest = payload_hash(canonical)
    try:
        with transaction.atomic():
            try:
                record = InboundRequest.objects.create(
                    connector_key_id=connector_key_id,
                    endpoint=endpoint,
                    natural_key=key_text,
                    payload_hash=digest,
                    payload=canonical,
                )
            except IntegrityError:
                # Leaving the block rolls the transaction back; no savepoint is needed for that.
                raise _AlreadyRecorded from None
            with rolled_back_whole():
                status, body = effect()
            record.response_status = status
            record.response_body = body
            record.save(update_fields=["response_status", "response_body"])
    except _AlreadyRecorded:
        record = InboundRequest.objects.get(
            connector_key_id=connector_key_id, endpoint=endpoint, natural_key=key_text
        )
        return _replay(record, digest, canonical, natural_key)
    return RecordedResponse(status=status, body=body, replayed=False)


class _AlreadyRecorded(Exception):
    """The key sent this endpoint and natural key before (the record's insert met it)."""


def _replay(
    record: InboundRequest, digest: str, canonical: Any, natural_key: Mapping[str, str]
) -> RecordedResponse:
    if record.payload_hash != digest:
        differing = _differences(record.payload, canonical)
        named = " + ".join(f"{name} {value}" for name, value in sorted(natural_key.items()))
        raise IdempotencyConflict(
            f"{named} was already sent with a different payload "
            f"({', '.join(differing) or 'content'} differ); send a new key for a new request",
            field=differing[0] if differing else None,
        )
    return RecordedResponse(status=record.response_status, body=record.response_body, replayed=True)


def _differences(before: Any, now: Any, path: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(now, dict):
        found = []
        for name in sorted(set(before) | set(now)):
            found += _differences(
                before.get(name), now.get(name), f"{path}.{name}" if path else name
            )
        return found
    return [] if before == now else [path]
