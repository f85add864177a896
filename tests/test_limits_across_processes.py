"""The log-in lockout and the connector rate limit hold across web processes sharing Redis.

Two processes (as two gunicorn workers) fire their attempts on threads at the same moment, each
with its own Django and the Redis cache production uses.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from lms.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def in_two_processes(*args: str, threads: int) -> Counter:
    from django.db import connection

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": os.environ.get("REDIS_URL") or os.environ["CELERY_BROKER_URL"],
        "PYTHONPATH": str(ROOT),
    }
    start = str(time.time() + 4)  # both processes have loaded Django by then
    command = [sys.executable, "-m", "tests.limits_worker", *args]
    processes = [
        subprocess.Popen(
            [*command, start, str(threads)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    answers: Counter = Counter()
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        answers.update(json.loads(out))
    return answers


def test_a_connector_key_gets_its_budget_and_no_more_from_two_processes():
    key_id = uuid.uuid4().int % 10**9  # a key of its own in the shared Redis

    answers = in_two_processes("rate", str(key_id), "10", threads=10)

    assert answers == {"accepted": 10, "limited": 10}


def test_an_account_takes_exactly_its_failure_limit_from_two_processes(settings):
    username = f"lena-{uuid.uuid4().hex[:8]}"
    UserFactory(username=username, password="the right passphrase")

    answers = in_two_processes("login", username, threads=10)

    # LOGIN_FAILURE_LIMIT (5) passwords were checked; the other attempts found the account locked.
    assert settings.LOGIN_FAILURE_LIMIT == 5
    assert answers == {"checked": 5, "refused": 15}
