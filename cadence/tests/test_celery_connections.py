"""A worker process keeps its database session from task to task, as a web process keeps it
from request to request, and replaces one the server ended."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from tests.fixtures.celery_worker import wait_until, worker_running
from tests.worker_tasks import database_session_record

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]


def _sessions_of(label: str) -> list[int]:
    names = Group.objects.filter(name__startswith=f"session:{label}:")
    return [int(name.rsplit(":", 1)[1]) for name in names.values_list("name", flat=True)]


def _run(label: str, times: int = 1) -> list[int]:
    for _ in range(times):
        database_session_record.delay(label)
    return wait_until(
        lambda: (found := _sessions_of(label)) and len(found) == times and found,
        message=f"{times} task(s) '{label}' run by the worker",
    )


@pytest.fixture
def production_worker(transactional_db, tmp_path):
    """A worker with the production default: sessions kept for 60 seconds."""
    with worker_running(tmp_path / "worker.log", conn_max_age=60) as worker:
        yield worker


def test_tasks_run_one_after_another_share_one_database_session(production_worker):
    sessions = [pid for n in range(4) for pid in _run(f"task{n}")]

    assert len(sessions) == 4
    assert len(set(sessions)) == 1, sessions


def test_a_session_the_server_ended_is_replaced_before_the_next_task(production_worker):
    [first] = _run("before")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])

    [second] = _run("after")

    assert second != first
    assert "OperationalError" not in production_worker.log()
