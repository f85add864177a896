"""Log-in guessing protection: an authentication backend that locks out after repeated failures.

Failures are counted in Django's cache per username and per client address. After
``LOGIN_FAILURE_LIMIT`` failures for a username (or ``LOGIN_FAILURE_LIMIT_PER_ADDRESS`` from one
address) within ``LOGIN_LOCKOUT_SECONDS``, every attempt is refused, even with the right password,
until the window passes. A successful log-in clears the username's count. The cache must be shared
by all web processes (Redis in production) for the count to hold across them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied


def _limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "LOGIN_FAILURE_LIMIT", 5),
        getattr(settings, "LOGIN_FAILURE_LIMIT_PER_ADDRESS", 50),
        getattr(settings, "LOGIN_LOCKOUT_SECONDS", 15 * 60),
    )


def _keys(request, username: str | None) -> dict[str, int]:
    per_user, per_address, _ = _limits()
    keys = {f"lms:login-failures:user:{(username or '').strip().lower()}": per_user}
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if address:
        keys[f"lms:login-failures:addr:{address}"] = per_address
    return keys


def login_locked(request, username: str | None) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(request, username).items())


def login_failed(request, username: str | None) -> None:
    _, _, window = _limits()
    for key in _keys(request, username):
        # add() starts the window; incr() never extends it, so the lockout ends on time.
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=window)


def login_succeeded(request, username: str | None) -> None:
    cache.delete(next(iter(_keys(request, username))))


class ThrottledModelBackend(ModelBackend):
    """Django's model backend, refusing usernames and addresses that failed too often."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if login_locked(request, username):
            if request is not None and hasattr(request, "_messages"):
                _, _, window = _limits()
                messages.error(
                    request,
                    f"Too many failed log-ins. Try again in {window // 60} minutes, "
                    "or reset your password.",
                )
            raise PermissionDenied("too many failed log-ins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failed(request, username)
        else:
            login_succeeded(request, username)
        return user
