"""The Celery application: one for the web process, the worker and beat.

Reliability choices: a task is acknowledged only after it ran (acks_late), a worker that dies
mid-task returns it to the queue (reject_on_worker_lost), and each worker process reserves one task
at a time (prefetch 1), so a crash loses nothing and a long task does not hold others hostage.
Every task must therefore be safe to run twice.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadence.settings")

app = Celery("cadence")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
