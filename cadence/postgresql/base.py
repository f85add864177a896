"""Django's PostgreSQL backend, whose health check asks the socket before the server."""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's own PostgreSQL backend (``ENGINE = "cadence.postgresql"``), with a per-request
    health check (``CONN_HEALTH_CHECKS``) that costs no round trip while the connection is fine.

    Django checks a connection kept from an earlier request with ``SELECT 1`` before the
    request's first query: a round trip on every request, which a web worker waits for. A server
    that ends a connection (a restart, an idle timeout, ``pg_terminate_backend``) says so on the
    connection before closing it, so an idle connection with nothing to read on its socket is one
    the server still holds, and is used without asking. One with something to read (that
    goodbye, or only a notice) or not idle gets Django's ``SELECT 1``, as does the check after a
    request whose database error may have broken it (``close_if_unusable_or_obsolete``).
    """

    def close_if_health_check_failed(self):
        if (
            self.pool is None
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._idle_and_quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_and_quiet(self) -> bool:
        """Open, outside any transaction, and nothing from the server waiting to be read."""
        connection = self.connection
        if (
            connection.closed
            or connection.broken
            or connection.info.transaction_status != pq.TransactionStatus.IDLE
        ):
            return False
        socket = select.poll()
        socket.register(connection.fileno(), select.POLLIN)  # hang-ups and errors come anyway
        return not socket.poll(0)
