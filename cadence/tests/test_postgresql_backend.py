"""The PostgreSQL backend's health check: no round trip for a quiet idle connection, Django's
``SELECT 1`` whenever the server may have said something, a connection the server ended
replaced before the request's first query."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connections

from cadence.postgresql.base import DatabaseWrapper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept_connection():
    """A connection of its own, kept between requests as ``CONN_MAX_AGE`` keeps one, with
    health checks on, as production has them."""
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, DatabaseWrapper)
    wrapper.settings_dict = {**wrapper.settings_dict, "CONN_HEALTH_CHECKS": True}
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def server_checks(kept_connection, monkeypatch):
    """Counts the ``SELECT 1`` checks (Django's ``is_usable``) the backend makes."""
    made = []
    asked = DatabaseWrapper.is_usable

    def is_usable(self):
        usable = asked(self)
        made.append(usable)
        return usable

    monkeypatch.setattr(DatabaseWrapper, "is_usable", is_usable)
    return made


def _next_request(wrapper) -> None:
    """What Django does between two requests, then at the next request's first query."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


def _backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _outside(wrapper) -> psycopg.Connection:
    settings = wrapper.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )


def _until_readable(wrapper) -> None:
    deadline = time.monotonic() + 5
    while wrapper._idle_and_quiet():
        assert time.monotonic() < deadline, "the server said nothing on the connection"
        time.sleep(0.01)


def test_a_quiet_idle_connection_is_kept_without_asking_the_server(kept_connection, server_checks):
    pid = _backend_pid(kept_connection)

    for _ in range(3):
        _next_request(kept_connection)
        assert _backend_pid(kept_connection) == pid

    assert server_checks == []


def test_a_connection_the_server_ended_is_replaced_before_the_first_query(
    kept_connection, server_checks
):
    pid = _backend_pid(kept_connection)
    with _outside(kept_connection) as outside:
        outside.execute("SELECT pg_terminate_backend(%s)", [pid])
    _until_readable(kept_connection)

    _next_request(kept_connection)

    assert server_checks == [False]  # the SELECT 1 found it gone: closed, not used
    assert kept_connection.connection is None
    assert _backend_pid(kept_connection) != pid


def test_a_notice_from_the_server_gets_the_select_and_the_connection_is_kept(
    kept_connection, server_checks
):
    pid = _backend_pid(kept_connection)
    with kept_connection.cursor() as cursor:
        cursor.execute("LISTEN cadence_health_check")
    with _outside(kept_connection) as outside:
        outside.execute("NOTIFY cadence_health_check")
    _until_readable(kept_connection)

    _next_request(kept_connection)

    assert server_checks == [True]
    assert _backend_pid(kept_connection) == pid


def test_a_connection_left_in_a_transaction_gets_the_select(kept_connection, server_checks):
    kept_connection.connection.execute("BEGIN")
    kept_connection.health_check_done = False

    kept_connection.close_if_health_check_failed()

    assert server_checks == [True]
    kept_connection.connection.execute("ROLLBACK")


def test_the_check_is_made_once_a_request(kept_connection, server_checks, monkeypatch):
    looked = []
    quiet = DatabaseWrapper._idle_and_quiet
    monkeypatch.setattr(
        DatabaseWrapper, "_idle_and_quiet", lambda self: looked.append(1) or quiet(self)
    )

    _next_request(kept_connection)
    for _ in range(3):
        _backend_pid(kept_connection)

    assert looked == [1]


def test_a_page_asked_for_after_the_server_ended_the_connection_is_answered(client):
    from django.db import connection

    pid = _backend_pid(connection)
    with _outside(connection) as outside:
        outside.execute("SELECT pg_terminate_backend(%s)", [pid])
    _until_readable(connection)
    # What a server's request_started does first (the test client leaves it out).
    connection.close_if_unusable_or_obsolete()

    response = client.get("/catalog/")

    assert response.status_code == 200
    assert _backend_pid(connection) != pid
