"""The Celery application: one for the web process, the worker and beat.

Reliability choices: a task is acknowledged only after it ran (acks_late), a worker that dies
mid-task returns it to the queue (reject_on_worker_lost), and each worker process reserves one task
at a time (prefetch 1), so a crash loses nothing and a long task does not hold others hostage.
Every task must therefore be safe to run twice.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadence.settings")

app = Celery("cadence")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def connections_kept_as_between_requests(sender=None, **kwargs) -> None:
    """Around each task a worker runs, what Django does around each request: a connection older
    than ``CONN_MAX_AGE``, broken, or left outside autocommit is closed, and the next query
    health-checks a kept one (``CONN_HEALTH_CHECKS``). Without it, Celery's fix-up would open a
    new PostgreSQL session for every task (``CELERY_DB_REUSE_MAX``).

    Not for a task run eagerly: it runs inside its caller's request and transaction."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections  # the app is made before Django is set up

    close_old_connections()
