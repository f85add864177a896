"""Inbound idempotency: one effect and one answer per connector key, endpoint and natural key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cadence.kernel.rows import insert_unless_present
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
    then gets the answer of the one that went first. The same request accepted earlier to be
    answered later (``inbound_request_accept``) and still unanswered is answered now, here. A
    repeat whose payload differs raises ``IdempotencyConflict`` naming the fields that differ.
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
        if record.payload_hash == digest and record.response_status is None:
            # The same request, accepted earlier to be processed later and not processed yet:
            # answered now, here, once (the worker then finds the answer and does nothing).
            return inbound_request_answer(
                record_id=record.pk, effect_for=lambda _record: effect, refusal_answer=None
            )
        return _replay(record, digest, canonical, natural_key)
    return RecordedResponse(status=status, body=body, replayed=False)


@dataclass(frozen=True)
class AcceptedRequest:
    """A request recorded to be processed later: the record's public id, and its answer if the
    same request was answered before (a repeat, answered at once)."""

    public_id: str
    answered: RecordedResponse | None


def inbound_request_accept(
    *,
    endpoint: str,
    natural_key: Mapping[str, str],
    payload: Mapping[str, Any],
    request_body: Mapping[str, Any],
    connector_key_id: int,
    process_later: Callable[[int], None],
) -> AcceptedRequest:
    """Record a request to be processed later (``Prefer: respond-async``) and hand its record's
    id to ``process_later`` (which sees that a worker will answer it).

    One statement: the record's insert, committed at once, so that the request is kept before
    the caller is told it was accepted; a repeat's insert does nothing (no error to survive, no
    savepoint), and the record already there is read. The rules of ``inbound_request_once``
    hold across both modes: a repeat with the same payload gets the recorded answer (or, while
    there is none yet, the same record); a repeat with a different payload raises
    ``IdempotencyConflict``.
    ``request_body`` is what the effect is made from later, the caller's body without its key.
    """
    key_text = natural_key_text(natural_key)
    canonical = canonical_payload(payload)
    digest = payload_hash(canonical)
    fields = {
        "connector_key_id": connector_key_id,
        "endpoint": endpoint,
        "natural_key": key_text,
        "payload_hash": digest,
        "payload": canonical,
        "request_body": request_body,
    }
    record = InboundRequest(**fields)
    # Every accepted request pays this insert: written without the ORM's save machinery.
    if insert_unless_present(record, unique=("connector_key", "endpoint", "natural_key")):
        transaction.on_commit(lambda: process_later(record.pk))
        return AcceptedRequest(public_id=record.public_id, answered=None)
    record = InboundRequest.objects.get(
        connector_key_id=connector_key_id, endpoint=endpoint, natural_key=key_text
    )
    if record.payload_hash == digest and record.response_status is None:
        # Still waiting: queued again, in case the first queueing was lost (it runs once).
        transaction.on_commit(lambda: process_later(record.pk))
        return AcceptedRequest(public_id=record.public_id, answered=None)
    return AcceptedRequest(
        public_id=record.public_id, answered=_replay(record, digest, canonical, natural_key)
    )


def inbound_request_answer(
    *,
    record_id: int,
    effect_for: Callable[[InboundRequest], Effect],
    refusal_answer: Callable[[Exception], tuple[int, dict[str, Any]] | None] | None,
) -> RecordedResponse:
    """Run the effect of a request accepted to be processed later, once, and record its answer.

    The record is locked first: a worker and a synchronous repeat of the same request never
    both run it, and whichever comes second gets the first one's answer. With
    ``refusal_answer``, an error it turns into an answer (a refusal: 403, 404, …) is recorded as
    the answer, the effect's writes undone, and the natural key set aside so that a corrected
    request is a first request, as in the synchronous mode; any other error is raised, and
    nothing is recorded.
    """
    with transaction.atomic():
        record = InboundRequest.objects.select_for_update().get(pk=record_id)
        if record.response_status is not None:
            return RecordedResponse(
                status=record.response_status, body=record.response_body, replayed=True
            )
        return _answer_locked(record, effect_for, refusal_answer)


def inbound_request_answer_next(
    *,
    effect_for: Callable[[InboundRequest], Effect],
    refusal_answer: Callable[[Exception], tuple[int, dict[str, Any]] | None],
    skipping: Collection[int] = (),
) -> int | None:
    """Claim the oldest request still waiting for its answer (but those in ``skipping``) and
    answer it as ``inbound_request_answer`` does, in a transaction of its own; return its id,
    or None when no request waits.

    The claim is a row lock taken with ``SKIP LOCKED``: workers draining at once each take
    another request, a request being answered (by a worker, or by a synchronous repeat) is left
    alone, and one answered meanwhile no longer matches. An error other than a refusal is
    raised, the request left waiting; the caller puts its id in ``skipping`` to go on.
    """
    with transaction.atomic():
        record = (
            _waiting()
            .exclude(pk__in=skipping)
            .order_by("id")
            .select_for_update(skip_locked=True)
            .first()
        )
        if record is None:
            return None
        try:
            _answer_locked(record, effect_for, refusal_answer)
        except Exception as error:
            raise InboundRequestFailed(record.pk) from error
    return record.pk


class InboundRequestFailed(Exception):
    """Answering the waiting request ``record_id`` raised an error that is not a refusal."""

    def __init__(self, record_id: int):
        super().__init__(f"inbound request {record_id} could not be answered")
        self.record_id = record_id


def _answer_locked(
    record: InboundRequest,
    effect_for: Callable[[InboundRequest], Effect],
    refusal_answer: Callable[[Exception], tuple[int, dict[str, Any]] | None] | None,
) -> RecordedResponse:
    """Run the effect of the locked, unanswered ``record`` and record its answer."""
    effect = effect_for(record)
    try:
        # A savepoint: a refusal undoes the effect, not the record that will hold it.
        with transaction.atomic(), rolled_back_whole():
            status, body = effect()
    except Exception as error:
        answer = refusal_answer(error) if refusal_answer is not None else None
        if answer is None:
            raise
        status, body = answer
        record.natural_key = f"{record.natural_key}#refused:{record.public_id}"
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["natural_key", "response_status", "response_body"])
    return RecordedResponse(status=status, body=body, replayed=False)


def inbound_request_of_key(*, public_id: str, connector_key_id: int) -> InboundRequest | None:
    """The request with ``public_id`` if the key sent it (its answer, or none yet), else None."""
    return (
        InboundRequest.objects.filter(public_id=public_id, connector_key_id=connector_key_id)
        .only("public_id", "response_status", "response_body")
        .first()
    )


def inbound_requests_unanswered(*, older_than_seconds: int) -> list[int]:
    """Ids of requests accepted to be processed later and still without an answer, accepted
    at least ``older_than_seconds`` ago: those whose queued processing was lost."""
    since = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        _waiting().filter(created_at__lte=since).order_by("id").values_list("id", flat=True)[:1000]
    )


def inbound_requests_waiting_count() -> int:
    """How many requests accepted to be processed later still wait for their answer."""
    return _waiting().count()


def _waiting():
    # Matches the partial index ``inbound_request_waiting`` (the model's Meta).
    return InboundRequest.objects.filter(request_body__isnull=False, response_status__isnull=True)


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
