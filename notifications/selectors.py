"""Reads: a person's notifications and their unread count.

The header shows the unread count on every page, so it is cached per person: written when a
notification is made or read, and warmed at log-in. A page therefore reads it from the cache and
adds no query; only a cold cache (an eviction, a restart) costs one COUNT.
"""

from __future__ import annotations

import contextlib

from django.core.cache import cache
from django.db.models import QuerySet

from notifications.kinds import ESSENTIAL, OPTIONAL
from notifications.models import Notification, NotificationPreference

UNREAD_COUNT_SECONDS = 24 * 60 * 60
PAGE_SIZE = 50


def unread_count_key(user_id: str) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(*, user_id: str) -> int:
    cached = cache.get(unread_count_key(user_id))
    if cached is not None:
        return cached
    return unread_count_refresh(user_id=user_id)


def unread_count_refresh(*, user_id: str) -> int:
    count = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
    cache.set(unread_count_key(user_id), count, UNREAD_COUNT_SECONDS)
    return count


def unread_count_add_one(*, user_id: str) -> None:
    """A notification was added: one more unread, if the count is cached (else the next read
    counts). Atomic in the cache, so concurrent additions all count."""
    with contextlib.suppress(ValueError):  # not cached
        cache.incr(unread_count_key(user_id))


def notifications_for(*, user_id: str) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user_id)[:PAGE_SIZE]


def kinds_turned_off(*, user_id: str) -> set[str]:
    return set(
        NotificationPreference.objects.filter(user_id=user_id, enabled=False).values_list(
            "kind", flat=True
        )
    )


def is_wanted(*, user_id: str, kind: str) -> bool:
    off = turned_off(user_id=user_id, kind=kind)
    return off is None or not off.exists()


def turned_off(*, user_id: str, kind: str) -> QuerySet[NotificationPreference] | None:
    """The recipient's preference that would turn ``kind`` off; ``None`` for an essential kind,
    which cannot be."""
    if kind in ESSENTIAL:
        return None
    return NotificationPreference.objects.filter(user_id=user_id, kind=kind, enabled=False)


__all__ = ["ESSENTIAL", "OPTIONAL"]
