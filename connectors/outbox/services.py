"""Delivering outbox rows to their consumers, once in effect, however often they are tried."""

from __future__ import annotations

import json
import logging
import random
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cadence.kernel.rows import insert_unless_present
from connectors import registry
from connectors.models import OutboxDelivery, OutboxEvent, ProcessedEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_in_seconds: float | None = None


SKIPPED = DeliveryOutcome("skipped")


def backoff_with_jitter(attempts: int, *, base: float, maximum: float) -> float:
    """Exponential backoff with jitter: base·2ⁿ⁻¹ seconds capped at ``maximum``, then spread over
    its upper half, so that what failed together is not all retried at once."""
    ceiling = min(maximum, base * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311  (jitter, not a secret)


def retry_delay_seconds(attempts: int) -> float:
    return backoff_with_jitter(
        attempts,
        base=settings.OUTBOX_BACKOFF_BASE_SECONDS,
        maximum=settings.OUTBOX_BACKOFF_MAX_SECONDS,
    )


def outbox_delivery_attempt(*, delivery_id: int, before_due: bool = False) -> DeliveryOutcome:
    """Try one pending delivery now, if it is due.

    A delivery is due for its first attempt (the on-commit kick, a replay) and then once its
    backoff has passed; a second task for it meanwhile (the sweep's, a broker's redelivery of a
    retry) is skipped, so retries neither multiply nor use up the attempts early. ``before_due``
    tries it anyway (run eagerly, no broker holds a retry). The delivery row is locked (rows
    another worker holds are skipped) and, in the same transaction, marked delivered, the
    consumer's processed-event record written and the consumer run, so that they all commit
    together. A consumer that fails rolls the whole transaction back (no savepoint on the way of
    every delivery that succeeds) and its attempt is then recorded in a transaction of its own.
    A consumer that already processed the event is not called again.
    """
    now = timezone.now()
    claim: _Claim | None = None
    try:
        with transaction.atomic():
            claim = _claim(delivery_id=delivery_id, now=now, before_due=before_due)
            if claim is None:
                return SKIPPED
            consumer = registry.consumer_named(claim.consumer, claim.event_type)
            if consumer is None:
                raise LookupError(
                    f"no consumer named {claim.consumer!r} of {claim.event_type} is registered"
                )
            if claim.first_time:
                consumer.handle(
                    consumer.event.envelope_from_json(
                        event_id=claim.event_id,
                        occurred_at=claim.occurred_at,
                        payload=claim.payload,
                    )
                )
    except Exception as exc:
        if claim is None:
            raise  # the claim itself failed: nothing was tried
        return _failed_attempt_record(delivery_id, claim.attempts_before, exc, now)
    return DeliveryOutcome(OutboxDelivery.Status.DELIVERED)


@dataclass(frozen=True)
class _Claim:
    """A delivery taken for this attempt: already marked delivered in the attempt's transaction
    (undone with it if the consumer fails), with its event."""

    consumer: str
    attempts_before: int
    event_id: str
    event_type: str
    occurred_at: datetime
    payload: dict
    first_time: bool  # the consumer's processed-event record was written by this claim


def _claim(*, delivery_id: int, now: datetime, before_due: bool) -> _Claim | None:
    if connection.vendor == "postgresql":
        return _claim_in_one_statement(delivery_id=delivery_id, now=now, before_due=before_due)
    due = Q(attempts=0) | Q(next_attempt_at__lte=now)
    delivery = (
        OutboxDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("event")
        .filter(pk=delivery_id, status=OutboxDelivery.Status.PENDING)
        .filter(Q() if before_due else due)
        .first()
    )
    if delivery is None:
        return None
    attempts_before = delivery.attempts
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.status = OutboxDelivery.Status.DELIVERED
    delivery.delivered_at = now
    delivery.last_error = ""
    delivery.save(update_fields=ATTEMPT_FIELDS)
    event = delivery.event
    first_time = insert_unless_present(
        ProcessedEvent(consumer=delivery.consumer, event_id=event.event_id),
        unique=("consumer", "event_id"),
    )
    return _Claim(
        consumer=delivery.consumer,
        attempts_before=attempts_before,
        event_id=event.event_id,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        payload=event.payload,
        first_time=first_time,
    )


def _claim_in_one_statement(*, delivery_id: int, now: datetime, before_due: bool) -> _Claim | None:
    """The claim as one PostgreSQL statement: lock the delivery row (skipping it if another
    worker holds it; only that row, so that the event's other deliveries go on), mark it
    delivered, write the processed-event record unless there is one (waiting for a concurrent
    one to commit), and return the event. Every delivery of every event pays this, so it is
    worth a statement the ORM cannot write."""
    quote = connection.ops.quote_name
    deliveries = quote(OutboxDelivery._meta.db_table)
    events = quote(OutboxEvent._meta.db_table)
    processed = quote(ProcessedEvent._meta.db_table)
    due = "" if before_due else "AND (attempts = 0 OR next_attempt_at <= %(now)s)"
    sql = f"""
        WITH claimed AS (
            SELECT id FROM {deliveries}
            WHERE id = %(id)s AND status = %(pending)s {due}
            FOR UPDATE SKIP LOCKED
        ), delivered AS (
            UPDATE {deliveries} AS delivery
            SET status = %(delivered)s, attempts = delivery.attempts + 1,
                last_attempt_at = %(now)s, delivered_at = %(now)s, last_error = ''
            FROM claimed WHERE delivery.id = claimed.id
            RETURNING delivery.event_id, delivery.consumer, delivery.attempts
        ), event AS (
            SELECT delivered.consumer, delivered.attempts, e.event_id, e.event_type,
                   e.occurred_at, e.payload
            FROM delivered JOIN {events} AS e ON e.id = delivered.event_id
        ), first_time AS (
            INSERT INTO {processed} (consumer, event_id, processed_at)
            SELECT consumer, event_id, %(now)s FROM event
            ON CONFLICT (consumer, event_id) DO NOTHING
            RETURNING id
        )
        SELECT consumer, attempts, event_id, event_type, occurred_at, payload,
               EXISTS (SELECT 1 FROM first_time)
        FROM event
    """  # noqa: S608  (our table names)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "id": delivery_id,
                "now": now,
                "pending": OutboxDelivery.Status.PENDING,
                "delivered": OutboxDelivery.Status.DELIVERED,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    consumer, attempts, event_id, event_type, occurred_at, payload, first_time = row
    return _Claim(
        consumer=consumer,
        attempts_before=attempts - 1,
        event_id=event_id,
        event_type=event_type,
        occurred_at=occurred_at,
        payload=json.loads(payload) if isinstance(payload, str) else payload,
        first_time=first_time,
    )


def _failed_attempt_record(
    delivery_id: int, attempts_before: int, exc: Exception, now: datetime
) -> DeliveryOutcome:
    """Count the failed attempt, with its backoff or its dead letter, unless the row moved on
    since the claim (another worker took it between the rollback and now: its attempt counts)."""
    with transaction.atomic():
        delivery = (
            OutboxDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=OutboxDelivery.Status.PENDING, attempts=attempts_before)
            .first()
        )
        if delivery is None:
            return SKIPPED
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
        if delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            delivery.status = OutboxDelivery.Status.DEAD
            delivery.save(update_fields=ATTEMPT_FIELDS)
            logger.error(
                "outbox delivery %s dead after %s attempts: %s",
                delivery.pk,
                delivery.attempts,
                delivery.last_error,
            )
            return DeliveryOutcome(OutboxDelivery.Status.DEAD)
        delay = retry_delay_seconds(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        delivery.save(update_fields=ATTEMPT_FIELDS)
        logger.warning(
            "outbox delivery %s failed (attempt %s), retry in %.0fs: %s",
            delivery.pk,
            delivery.attempts,
            delay,
            delivery.last_error,
        )
        return DeliveryOutcome("retry", retry_in_seconds=delay)


# What an attempt changes on its delivery row (the event and consumer never change).
ATTEMPT_FIELDS = [
    "status",
    "attempts",
    "next_attempt_at",
    "last_attempt_at",
    "last_error",
    "delivered_at",
]


def outbox_deliveries_due(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come: the ones no on-commit kick or retry picked up."""
    return list(
        OutboxDelivery.objects.filter(
            status=OutboxDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_delivery_replay(*, delivery_ids: list[int]) -> int:
    """Put dead-lettered (or stuck pending) deliveries back on the queue, from attempt zero."""
    from connectors.outbox.recorder import enqueue_deliveries

    with transaction.atomic():
        replayable = OutboxDelivery.objects.select_for_update().filter(
            pk__in=delivery_ids,
            status__in=[OutboxDelivery.Status.DEAD, OutboxDelivery.Status.PENDING],
        )
        ids = list(replayable.values_list("pk", flat=True))
        OutboxDelivery.objects.filter(pk__in=ids).update(
            status=OutboxDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return len(ids)


@dataclass(frozen=True)
class DrainResult:
    delivered: int
    failed: tuple[str, ...]


def outbox_deliver_pending_now() -> DrainResult:
    """Deliver every pending delivery in this process, oldest first, including the ones those
    deliveries cause, for a command that must see the effects before it goes on.

    Each delivery is tried once here, if it is due (see ``outbox_delivery_attempt``); one that
    fails keeps its backoff and is reported, one that another worker holds is left to it. The
    deliveries a delivery causes are created after it, so walking the ids upwards reaches them.
    """
    last_tried = 0
    delivered = 0
    failed: list[str] = []
    while True:
        pending = list(
            OutboxDelivery.objects.filter(status=OutboxDelivery.Status.PENDING, pk__gt=last_tried)
            .order_by("pk")
            .values_list("pk", flat=True)[:500]
        )
        if not pending:
            return DrainResult(delivered=delivered, failed=tuple(failed))
        for delivery_id in pending:
            last_tried = delivery_id
            outcome = outbox_delivery_attempt(delivery_id=delivery_id)
            if outcome.status == OutboxDelivery.Status.DELIVERED:
                delivered += 1
            elif outcome is not SKIPPED:
                failed.append(_failure(delivery_id))


def _failure(delivery_id: int) -> str:
    delivery = OutboxDelivery.objects.select_related("event").get(pk=delivery_id)
    return f"{delivery.consumer} ({delivery.event.event_type}): {delivery.last_error}"
