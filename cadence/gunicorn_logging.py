"""The gunicorn access log, with password-reset tokens cut out of the logged URLs.

A reset link carries its token in the path (``/accounts/password-reset/<uid>/<token>/``), and
gunicorn logs each request line, path and referer as it came. Whoever reads the log could reset the
account until the token expires; the log keeps the route and the user id but not the token.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

RESET_TOKEN = re.compile(r"(/accounts/password-reset/[^/\s?]+/)(?!set-password/)[^/\s?]+")
REDACTED = r"\1[redacted]"


def redact(value):
    return RESET_TOKEN.sub(REDACTED, value) if isinstance(value, str) else value


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {
            name: redact(value)
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }
