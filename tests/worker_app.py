"""The Celery app as the test worker loads it: the project's app plus the test-only consumers."""

import django

django.setup()

from cadence.celery import app  # noqa: E402
from connectors.tests import ping  # noqa: E402,F401  (registers the test event's consumer)
from tests import worker_tasks  # noqa: E402,F401  (registers the test-only tasks)

__all__ = ["app"]
