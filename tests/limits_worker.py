"""One process of a concurrency test of the limits: fires attempts on threads at a set moment.

``python -m tests.limits_worker login USERNAME START THREADS`` tries a wrong password for
USERNAME; ``… rate KEY_ID LIMIT START THREADS`` spends the connector key's request budget. It
prints how the attempts were answered as JSON. The settings come from the environment
(REDIS_URL: the cache shared with the other processes; DATABASE_URL: the test database).
"""

import json
import sys
import threading
import time
from collections import Counter

import django

django.setup()

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.db import connection  # noqa: E402

from connectors.inbound.rate_limit import rate_limit_wait  # noqa: E402
from lms.auth import ThrottledModelBackend  # noqa: E402


def login_attempt(username: str) -> str:
    try:
        user = ThrottledModelBackend().authenticate(None, username=username, password="wrong")
    except PermissionDenied:
        return "refused"
    finally:
        connection.close()
    return "checked" if user is None else "logged-in"


def rate_attempt(key_id: int, limit: int) -> str:
    return "accepted" if rate_limit_wait(key_id=key_id, limit=limit) is None else "limited"


def main(mode: str, *args: str) -> None:
    if mode == "login":
        username, start, threads = args[0], float(args[1]), int(args[2])
        attempt = lambda: login_attempt(username)  # noqa: E731
    else:
        key_id, limit, start, threads = int(args[0]), int(args[1]), float(args[2]), int(args[3])
        attempt = lambda: rate_attempt(key_id, limit)  # noqa: E731
    answers: Counter[str] = Counter()
    lock = threading.Lock()

    def run() -> None:
        time.sleep(max(0.0, start - time.time()))
        answer = attempt()
        with lock:
            answers[answer] += 1

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    print(json.dumps(answers))


if __name__ == "__main__":
    main(*sys.argv[1:])
