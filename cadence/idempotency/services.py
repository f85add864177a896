"""Claim a key, record its answer, release it: the storage side of ``@idempotent``.

A claim is a committed row: a second request with the key finds it, in flight (409) or completed
(the recorded answer). The unique (owner, key) constraint makes two claims at once end with one
row; the other request reads it. An in-flight claim older than ``IDEMPOTENCY_IN_FLIGHT_SECONDS``
is taken to belong to a process that died, and the next request with the key takes it over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cadence.idempotency.models import IdempotentRequest
from cadence.kernel.errors import ApplicationError, Conflict

HEADER = "Idempotency-Key"


class KeyReused(ApplicationError):
    """The key was used before with another request (422)."""

    status_code = 422
    code = "idempotency_key_reused"


class KeyInFlight(Conflict):
    """The first request with this key has not finished yet (409)."""

    code = "idempotency_key_in_flight"


@dataclass(frozen=True)
class Recorded:
    status_code: int
    body: object


def key_claim(
    *, owner: str, key: str, endpoint: str, fingerprint: str, _again: bool = True
) -> Recorded | None:
    """Claim ``key`` for a new request (None), or the answer its earlier request got.

    Refuses the key while its first request is in flight, or when it came with another request.
    """
    now = timezone.now()
    fresh = {
        "endpoint": endpoint,
        "fingerprint": fingerprint,
        "state": IdempotentRequest.State.IN_FLIGHT,
        "status_code": None,
        "body": None,
        "started_at": now,
        "expires_at": now + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS),
    }
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(owner=owner, key=key, **fresh)
        return None
    except IntegrityError:
        pass
    abandoned = now - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_SECONDS)
    # An expired record, or a claim whose process died, is taken over by exactly one request.
    taken = (
        IdempotentRequest.objects.filter(owner=owner, key=key)
        .filter(
            Q(expires_at__lte=now)
            | Q(
                state=IdempotentRequest.State.IN_FLIGHT,
                started_at__lte=abandoned,
                fingerprint=fingerprint,
            )
        )
        .update(**fresh)
    )
    if taken:
        return None
    earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
    if earlier is None and _again:  # released since our insert failed: once more from the start
        return key_claim(
            owner=owner, key=key, endpoint=endpoint, fingerprint=fingerprint, _again=False
        )
    if earlier is None:
        raise KeyInFlight(f"this {HEADER} is in use by another request; retry", field=HEADER)
    if earlier.fingerprint != fingerprint:
        raise KeyReused(
            f"this {HEADER} was used with another request; use a new key for a new request",
            field=HEADER,
        )
    if earlier.state == IdempotentRequest.State.IN_FLIGHT:
        raise KeyInFlight(
            f"the first request with this {HEADER} is still being processed; retry later",
            field=HEADER,
        )
    return Recorded(status_code=earlier.status_code, body=earlier.body)


def key_answer_record(*, owner: str, key: str, status_code: int, body: object) -> None:
    """Keep the answer a claimed request got, for its repeats."""
    IdempotentRequest.objects.filter(owner=owner, key=key).update(
        state=IdempotentRequest.State.COMPLETED, status_code=status_code, body=body
    )


def key_release(*, owner: str, key: str) -> None:
    """Forget a claim whose request did not complete (a server error): the key may be retried."""
    IdempotentRequest.objects.filter(
        owner=owner, key=key, state=IdempotentRequest.State.IN_FLIGHT
    ).delete()


def expired_keys_delete() -> int:
    """Delete the records past their ``IDEMPOTENCY_KEY_HOURS``; returns how many."""
    deleted, _ = IdempotentRequest.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
