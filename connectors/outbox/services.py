"""Delivering outbox rows to their consumers, once in effect, however often they are tried."""

from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cadence.kernel.rows import insert_unless_present
from connectors import registry
from connectors.models import OutboxDelivery, ProcessedEvent

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
    another worker holds are skipped); the consumer runs in that transaction together with its
    processed-event record and the delivery's "delivered", so that they commit together. A
    consumer that fails rolls the whole transaction back (no savepoint on the way of every
    delivery that succeeds) and its attempt is then recorded in a transaction of its own. A
    consumer that already processed the event is not called again.
    """
    now = timezone.now()
    due = Q(attempts=0) | Q(next_attempt_at__lte=now)
    claimed: OutboxDelivery | None = None
    try:
        with transaction.atomic():
            claimed = (
                # Only the delivery row: locking its event too would make every other
                # consumer's delivery of the same event skip while this one is handled.
                OutboxDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("event")
                .filter(pk=delivery_id, status=OutboxDelivery.Status.PENDING)
                .filter(Q() if before_due else due)
                .first()
            )
            if claimed is None:
                return SKIPPED
            _deliver(claimed)
            claimed.attempts += 1
            claimed.last_attempt_at = now
            claimed.status = OutboxDelivery.Status.DELIVERED
            claimed.delivered_at = now
            claimed.last_error = ""
            claimed.save(update_fields=ATTEMPT_FIELDS)
    except Exception as exc:
        if claimed is None:
            raise  # the claim itself failed: nothing was tried
        return _failed_attempt_record(claimed, exc, now)
    return DeliveryOutcome(OutboxDelivery.Status.DELIVERED)


def _failed_attempt_record(claimed: OutboxDelivery, exc: Exception, now) -> DeliveryOutcome:
    """Count the failed attempt, with its backoff or its dead letter, unless the row moved on
    since the claim (another worker took it between the rollback and now: its attempt counts)."""
    with transaction.atomic():
        delivery = (
            OutboxDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                pk=claimed.pk,
                status=OutboxDelivery.Status.PENDING,
                attempts=claimed.attempts,
                last_attempt_at=claimed.last_attempt_at,
            )
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


def _deliver(delivery: OutboxDelivery) -> None:
    consumer = registry.consumer_named(delivery.consumer)
    if consumer is None:
        raise LookupError(f"no consumer named {delivery.consumer!r} is registered")
    event = delivery.event
    envelope = consumer.event.envelope_from_json(
        event_id=event.event_id, occurred_at=event.occurred_at, payload=event.payload
    )
    if _processed_event_record(consumer=consumer.name, event_id=event.event_id):
        consumer.handle(envelope)


def _processed_event_record(*, consumer: str, event_id: str) -> bool:
    """Record that ``consumer`` processed ``event_id``; whether this is the first time (a
    concurrent delivery's uncommitted record is waited for, then met)."""
    return insert_unless_present(
        ProcessedEvent(consumer=consumer, event_id=event_id), unique=("consumer", "event_id")
    )


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
