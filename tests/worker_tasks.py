"""Tasks only the test worker knows: they leave a trace of where they ran."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection

from cadence.celery import app


@app.task(name="tests.database_session_record")
def database_session_record(label: str) -> None:
    """Record which PostgreSQL session (its backend's process id) the task ran in."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    Group.objects.create(name=f"session:{label}:{pid}")
