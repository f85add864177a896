"""Suite-wide test plumbing.

Tests that need a service are marked: ``postgres`` (DATABASE_URL points at PostgreSQL),
``celery_worker`` (CELERY_BROKER_URL points at Redis; a real worker process is started), ``redis``
(a Redis at REDIS_URL, or else at CELERY_BROKER_URL, to share a cache between processes),
``browser`` (Debian's Chromium through Playwright) and ``axe`` (axe-core from ``tests/js``).
Without the service they are skipped with the reason; with ``CI=true`` a missing service fails
the run instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_CORE = os.path.join(os.path.dirname(__file__), "tests/js/node_modules/axe-core/axe.min.js")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def redis_url() -> str:
    """The Redis that tests marked ``redis`` share between processes."""
    return os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")


def _missing_service(marker: str) -> str | None:
    if marker in {"postgres", "celery_worker"}:
        from django.db import connection

        if connection.vendor != "postgresql":
            return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if marker == "celery_worker":
        broker = os.environ.get("CELERY_BROKER_URL", "")
        if not broker.startswith("redis://"):
            return "needs Redis: set CELERY_BROKER_URL=redis://…"
        if not _reachable(broker, 6379):
            return f"Redis at {broker} is not reachable"
    if marker == "redis":
        if not redis_url().startswith("redis://"):
            return "needs Redis: set REDIS_URL=redis://… (or CELERY_BROKER_URL)"
        if not _reachable(redis_url(), 6379):
            return f"Redis at {redis_url()} is not reachable"
    if marker == "browser" and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if marker == "axe" and not os.path.exists(AXE_CORE):
        return "needs axe-core: npm ci --prefix tests/js"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "celery_worker", "redis", "browser", "axe"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing_service(marker)
        if reason is None:
            continue
        if IN_CI:
            pytest.fail(f"CI must run this test but the service is missing: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    """Fast password hashing, and Celery tasks run in-process unless a test starts a worker."""
    from cadence.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_of_the_test(settings, tmp_path_factory):
    """Uploads (and the demo's images) go to a directory of the test's own, never the project's."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _connector_state_of_the_test():
    """What the connectors keep beside the database (the queued-drain flag in the shared cache,
    this process's copy of the keys and what it knows of a queued drain) starts empty: a test's
    database does not outlive it."""
    from django.core.cache import cache

    from connectors.inbound.keys import connector_keys_forget
    from connectors.rest_api.deferred import DRAIN_QUEUED_FLAG, inbound_requests_drain_forget

    cache.delete(DRAIN_QUEUED_FLAG)
    inbound_requests_drain_forget()
    connector_keys_forget()
    yield


pytest_plugins = ["tests.fixtures.celery_worker", "tests.fixtures.browser"]
