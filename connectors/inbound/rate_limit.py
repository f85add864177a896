"""A fixed-window request budget per connector key, counted in the shared Django cache."""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_SECONDS = 60
clock = time.time  # the seconds the windows are cut from; a test may hold it still


def rate_limit_wait(*, key_id: int, limit: int, now: float | None = None) -> int | None:
    """Count one request of the key; return the seconds to wait if it is over its budget.

    A fixed window is coarse (a burst can straddle two windows) but needs one atomic increment
    and no lock, and in a shared cache (Redis) it holds across all web processes.
    """
    now = clock() if now is None else now
    window = int(now // WINDOW_SECONDS)
    counter = f"connectors:rate:{key_id}:{window}"
    cache.add(counter, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(counter)
    except ValueError:
        # The counter expired between add and incr: this request starts a fresh one.
        cache.set(counter, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
