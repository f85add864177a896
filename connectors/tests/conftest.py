import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that records webhooks and answers as it is told."""
    from connectors.tests.receiver import Receiver

    running = Receiver().start()
    yield running
    running.stop()
