"""The Redis cache reuses one Redis client per connection pool, and works as Django's does."""

import uuid

import pytest

from cadence.kernel.cache import RedisCache
from conftest import redis_url

pytestmark = pytest.mark.redis


def test_one_client_serves_every_call_and_the_cache_works():
    cache = RedisCache(redis_url(), {})
    name = f"cadence-test-{uuid.uuid4().hex}"

    assert cache._cache.get_client(name) is cache._cache.get_client(name, write=True)
    assert cache.add(name, 1, timeout=5) is True
    assert cache.add(name, 2, timeout=5) is False
    assert cache.get(name) == 1
    assert cache.incr(name) == 2
    cache.delete(name)
    assert cache.get(name) is None
