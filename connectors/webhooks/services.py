"""Creating, sending, retrying and replaying webhook deliveries.

A send happens outside any database transaction: the delivery is first claimed by moving its
``next_attempt_at`` past the request's longest duration (one conditional UPDATE, so two workers
never send it at once), then the outcome is recorded in a short transaction. A worker that dies
mid-send leaves a claim that simply expires, and the sweep sends the delivery again.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from connectors.encryption import signing_secret_encrypt
from connectors.errors import ConnectorError
from connectors.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from connectors.outbox.services import backoff_with_jitter
from connectors.signatures import HEADER, signature_header

logger = logging.getLogger(__name__)

EVENT_ID_HEADER = "X-Cadence-Event-Id"
EVENT_TYPE_HEADER = "X-Cadence-Event-Type"
SNIPPET_BYTES = 1000
USER_AGENT = "Cadence-Webhooks/1"


@dataclass(frozen=True)
class AttemptOutcome:
    status: str
    retry_in_seconds: float | None = None


def webhook_body(
    *, event_id: str, event_type: str, occurred_at: datetime, data: dict[str, Any]
) -> str:
    """The JSON document sent for an event, in the camelCase the external API speaks."""
    document = {
        "id": event_id,
        "type": event_type,
        "occurredAt": occurred_at.isoformat(),
        "data": _camel_case(data),
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class OutgoingEvent:
    event_id: str
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]


def webhook_deliveries_create(
    *, event_id: str, event_type: str, occurred_at: datetime, data: dict[str, Any]
) -> list[int]:
    """Create one delivery per active subscription that wants the event; send them after commit."""
    return webhook_deliveries_create_many(
        [
            OutgoingEvent(
                event_id=event_id, event_type=event_type, occurred_at=occurred_at, data=data
            )
        ]
    )


def webhook_deliveries_create_many(events: list[OutgoingEvent]) -> list[int]:
    """``webhook_deliveries_create`` for several events: the subscriptions read once, the
    deliveries written together (in the order of ``events``)."""
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
    deliveries = []
    for event in events:
        wanting = [s for s in subscriptions if s.wants(event.event_type)]
        if not wanting:
            continue
        body = webhook_body(
            event_id=event.event_id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            data=event.data,
        )
        deliveries += [
            WebhookDelivery(
                subscription=s, event_id=event.event_id, event_type=event.event_type, body=body
            )
            for s in wanting
        ]
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: enqueue_webhook_deliveries(ids))
    return ids


def enqueue_webhook_deliveries(delivery_ids: list[int]) -> None:
    from connectors.tasks import webhook_deliver

    for delivery_id in delivery_ids:
        try:
            webhook_deliver.delay(delivery_id)
        except Exception:
            # The broker may be down; the row is committed and the sweep will send it.
            logger.exception("could not enqueue webhook delivery %s; the sweep will", delivery_id)


def webhook_retry_delay(attempts: int) -> float:
    return backoff_with_jitter(
        attempts,
        base=settings.WEBHOOK_BACKOFF_BASE_SECONDS,
        maximum=settings.WEBHOOK_BACKOFF_MAX_SECONDS,
    )


def webhook_delivery_attempt(*, delivery_id: int) -> AttemptOutcome:
    """Send a due pending delivery once and record the attempt; say whether to try again.

    A delivery that is not pending, not due, claimed by another worker, or whose subscription is
    paused is skipped. A 2xx answer delivers it; anything else is retried with backoff until
    ``WEBHOOK_MAX_ATTEMPTS``, after which it is dead until staff replay it.
    """
    now = timezone.now()
    lease = settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS + settings.WEBHOOK_READ_TIMEOUT_SECONDS + 30
    if not _sendable().filter(pk=delivery_id).exists():
        return AttemptOutcome("skipped")
    # The claim's conditions are all on the delivery row itself, so PostgreSQL re-checks them
    # after waiting for a concurrent claim: exactly one of several racing workers gets the row.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=lease))
    if not claimed:
        return AttemptOutcome("skipped")
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    result = _send(delivery)

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        WebhookAttempt.objects.create(delivery=delivery, **result)
        if delivery.status != WebhookDelivery.Status.PENDING:
            # Staff replayed or otherwise settled it while this request was out: theirs stands.
            return AttemptOutcome("superseded")
        delivery.attempts += 1
        finished = result["attempted_at"]
        if result["succeeded"]:
            delivery.mark_delivered(at=finished)
            delivery.save()
            return AttemptOutcome(WebhookDelivery.Status.DELIVERED)
        if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.give_up()
            delivery.save()
            logger.error(
                "webhook delivery %s dead after %s attempts: %s",
                delivery.pk,
                delivery.attempts,
                result["error"],
            )
            return AttemptOutcome(WebhookDelivery.Status.DEAD)
        delay = webhook_retry_delay(delivery.attempts)
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        delivery.save()
    return AttemptOutcome("retry", retry_in_seconds=delay)


def _send(delivery: WebhookDelivery) -> dict[str, Any]:
    subscription = delivery.subscription
    body = delivery.body.encode("utf-8")
    sent_at = timezone.now()
    # Prepared first, so that v2 signs the path and query exactly as requests will send them.
    prepared = requests.Request(
        "POST",
        subscription.url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: delivery.event_id,
            EVENT_TYPE_HEADER: delivery.event_type,
        },
    ).prepare()
    # Both schemes: v2 binds the signature to this receiver's URL; v1 for receivers that
    # verify the body-only scheme and have not moved to v2 yet.
    prepared.headers[HEADER] = signature_header(
        secrets=subscription.signing_secrets(sent_at),
        timestamp=int(sent_at.timestamp()),
        body=body,
        method=prepared.method,
        path=prepared.path_url,
    )
    started = time.monotonic()
    status_code, snippet, error = None, "", ""
    try:
        with (
            requests.Session() as session,
            session.send(
                prepared,
                timeout=(
                    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS,
                    settings.WEBHOOK_READ_TIMEOUT_SECONDS,
                ),
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            status_code = response.status_code
            # Only the start of the answer: a receiver could send anything, of any size.
            # iter_content, not raw.read: a body that stalls or breaks off then raises a
            # RequestException too, so the attempt is recorded like any other failure.
            start = next(response.iter_content(SNIPPET_BYTES), b"")
            snippet = start.decode("utf-8", "replace")
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
    succeeded = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not succeeded:
        error = f"HTTP {status_code}"
    return {
        "attempted_at": sent_at,
        "succeeded": succeeded,
        "status_code": status_code,
        "latency_ms": int((time.monotonic() - started) * 1000),
        "error": error,
        "response_snippet": snippet,
    }


def _sendable():
    # A paused (inactive) subscription keeps its pending deliveries until it is active again.
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, subscription__is_active=True
    )


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come (retries, lost kicks, expired claims)."""
    return list(
        _sendable()
        .filter(next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_delivery_replay(*, delivery_ids: list[int]) -> int:
    """Send deliveries again now, from attempt zero: dead ones, delivered ones, waiting ones."""
    now = timezone.now()
    with transaction.atomic():
        deliveries = list(WebhookDelivery.objects.select_for_update().filter(pk__in=delivery_ids))
        for delivery in deliveries:
            if delivery.status == WebhookDelivery.Status.PENDING:
                delivery.next_attempt_at = now
            else:
                delivery.replay(at=now)
            delivery.save()
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: enqueue_webhook_deliveries(ids))
    return len(ids)


def webhook_subscription_create(
    *, name: str, url: str, event_types: list[str], is_active: bool = True
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret, in clear this once (stored encrypted)."""
    name = name.strip()
    if not name:
        raise ConnectorError("a subscription needs a name", field="name")
    _webhook_url_check(url)
    patterns = [pattern.strip() for pattern in event_types]
    for index, pattern in enumerate(patterns):
        if not EVENT_TYPE_PATTERN.match(pattern):
            raise ConnectorError(
                "an event type is dotted lower-case words, a * matching any part (cadence.lms.*)",
                field=f"eventTypes[{index}]",
            )
    subscription = WebhookSubscription.objects.create(
        name=name, url=url, event_types="\n".join(patterns), is_active=is_active
    )
    return subscription, subscription.secret


def webhook_subscription_disable(*, subscription_id: int) -> WebhookSubscription:
    """Stop sending to the subscription; its pending deliveries wait until it is active again."""
    WebhookSubscription.objects.filter(pk=subscription_id).update(is_active=False)
    return WebhookSubscription.objects.get(pk=subscription_id)


def _webhook_url_check(url: str) -> None:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError as refused:
        raise ConnectorError("must be an http or https URL", field="url") from refused
    if len(url) > WebhookSubscription._meta.get_field("url").max_length:
        raise ConnectorError("must be at most 500 characters", field="url")


def webhook_subscription_secret_rotate(
    *, subscription_id: int, overlap: timedelta = timedelta(hours=24)
) -> str:
    """Give the subscription a new secret; the old one also signs (a second v1) for ``overlap``."""
    from connectors.models import new_webhook_secret

    secret = new_webhook_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        subscription.previous_secret_encrypted = subscription.secret_encrypted
        subscription.previous_secret_expires_at = timezone.now() + overlap
        subscription.secret_encrypted = signing_secret_encrypt(secret)
        subscription.save()
    return secret


EVENT_TYPE_PATTERN = re.compile(r"^[a-z0-9_*-]+(\.[a-z0-9_*-]+)*$")
_WORD_AFTER_UNDERSCORE = re.compile(r"_([a-z0-9])")


def _camel_case(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            _WORD_AFTER_UNDERSCORE.sub(lambda m: m.group(1).upper(), key): _camel_case(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_camel_case(item) for item in value]
    return value
