"""A fixed-window request budget per connector key, counted in the shared Django cache."""

from __future__ import annotations

import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache

WINDOW_SECONDS = 60
clock = time.time  # the seconds the windows are cut from; a test may hold it still


def rate_limit_wait(*, key_id: int, limit: int, now: float | None = None) -> int | None:
    """Count one request of the key; return the seconds to wait if it is over its budget.

    A fixed window is coarse (a burst can straddle two windows) but needs one atomic increment
    and no lock, and in a shared cache (Redis) it holds across all web processes.
    """
    now = clock() if now is None else now
    window = int(now // WINDOW_SECONDS)
    count = _count(f"connectors:rate:{key_id}:{window}", timeout=WINDOW_SECONDS * 2)
    if count <= limit:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))


def _count(counter: str, *, timeout: int) -> int:
    """Add one to ``counter`` (created at 0, kept ``timeout`` seconds) and return it."""
    backend = caches[DEFAULT_CACHE_ALIAS]  # the backend itself, not its proxy
    if isinstance(backend, RedisCache):
        # One round trip, where the cache's own add and incr take three (SET NX, EXISTS, INCRBY),
        # on the cache's own client and connection pool: the key is the cache's, in its database.
        key = backend.make_and_validate_key(counter)
        client = backend._cache.get_client(key, write=True)
        count, _ = client.pipeline(transaction=False).incr(key).expire(key, timeout).execute()
        return count
    backend.add(counter, 0, timeout=timeout)
    try:
        return backend.incr(counter)
    except ValueError:
        # The counter expired between add and incr: this request starts a fresh one.
        backend.set(counter, 1, timeout=timeout)
        return 1
