"""A fixed-window request budget per connector key, counted in the shared Django cache."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from redis import Redis

WINDOW_SECONDS = 60
clock = time.time  # the seconds the windows are cut from; a test may hold it still

_redis_clients: dict[str, Redis] = {}


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
    redis = _redis_of(caches[DEFAULT_CACHE_ALIAS])  # the backend itself, not its proxy
    if redis is not None:
        # One round trip, where the cache's own add and incr take three (SET NX, EXISTS, INCRBY).
        # The key is the cache's, in its database: the cache reads and clears it as its own.
        key = cache.make_and_validate_key(counter)
        count, _ = redis.pipeline(transaction=False).incr(key).expire(key, timeout).execute()
        return count
    cache.add(counter, 0, timeout=timeout)
    try:
        return cache.incr(counter)
    except ValueError:
        # The counter expired between add and incr: this request starts a fresh one.
        cache.set(counter, 1, timeout=timeout)
        return 1


def _redis_of(backend) -> Redis | None:
    """A client of the Redis behind ``backend`` (Django's Redis cache, which writes to the first
    server its LOCATION names), else None."""
    if not isinstance(backend, RedisCache):
        return None
    location = re.split("[;,]", settings.CACHES[DEFAULT_CACHE_ALIAS]["LOCATION"])[0]
    if location not in _redis_clients:
        _redis_clients[location] = Redis.from_url(location)
    return _redis_clients[location]
