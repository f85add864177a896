"""A fixed-window request budget per connector key, counted in the shared Django cache."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache

WINDOW_SECONDS = 60
clock = time.time  # the seconds the windows are cut from; a test may hold it still


@dataclass(frozen=True)
class Counted:
    """A request counted in its key's window; ``read`` is the cache entry read with the count."""

    count: int
    seconds_left: float  # in the window
    read: Any = None

    def wait(self, limit: int) -> int | None:
        """The seconds to wait if the key is over ``limit`` requests in the window, else None."""
        if self.count <= limit:
            return None
        return max(1, int(self.seconds_left + 0.999))


def rate_limit_count(*, key_id: int, now: float | None = None, read: str = "") -> Counted:
    """Count one request of the key in its window; with ``read``, read that cache entry in the
    same round trip.

    A fixed window is coarse (a burst can straddle two windows) but needs one atomic increment
    and no lock, and in a shared cache (Redis) it holds across all web processes.
    """
    now = clock() if now is None else now
    window = int(now // WINDOW_SECONDS)
    count, value = _count(
        f"connectors:rate:{key_id}:{window}", timeout=WINDOW_SECONDS * 2, read=read
    )
    return Counted(count=count, seconds_left=(window + 1) * WINDOW_SECONDS - now, read=value)


def rate_limit_wait(*, key_id: int, limit: int, now: float | None = None) -> int | None:
    """Count one request of the key; return the seconds to wait if it is over its budget."""
    return rate_limit_count(key_id=key_id, now=now).wait(limit)


def _count(counter: str, *, timeout: int, read: str) -> tuple[int, Any]:
    """Add one to ``counter`` (created at 0, kept ``timeout`` seconds); return it and the value
    of the entry ``read`` (None without one)."""
    backend = caches[DEFAULT_CACHE_ALIAS]  # the backend itself, not its proxy
    if isinstance(backend, RedisCache):
        # One round trip, where the cache's own add and incr take three (SET NX, EXISTS, INCRBY),
        # on the cache's own client and connection pool: the key is the cache's, in its database.
        key = backend.make_and_validate_key(counter)
        client = backend._cache.get_client(key, write=True)
        pipeline = client.pipeline(transaction=False).incr(key).expire(key, timeout)
        if read:
            pipeline.get(backend.make_and_validate_key(read))
        count, _, *value = pipeline.execute()
        value = value[0] if value else None
        return count, None if value is None else backend._cache._serializer.loads(value)
    value = backend.get(read) if read else None
    backend.add(counter, 0, timeout=timeout)
    try:
        return backend.incr(counter), value
    except ValueError:
        # The counter expired between add and incr: this request starts a fresh one.
        backend.set(counter, 1, timeout=timeout)
        return 1, value
