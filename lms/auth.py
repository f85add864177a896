"""Log-in guessing protection: an authentication backend with a per-account lockout and a
per-address throttle, both counted in the shared cache.

An account is locked after ``LOGIN_FAILURE_LIMIT`` failed log-ins within ``LOGIN_LOCKOUT_SECONDS``:
until the window ends every attempt on it is refused, even with the right password. Each attempt
takes its place in the count *before* the password is checked (one atomic increment), so
concurrent guesses on one account get exactly the limit and no more, across any number of
processes sharing the cache; a successful log-in clears the count.

An address is throttled after ``LOGIN_FAILURE_LIMIT_PER_ADDRESS`` failures from it (any
usernames) within the window: its failed attempts are answered "too many failed log-ins from your
address" and logged once for the operators. The throttle never refuses the right password of an
account that is not itself locked: addresses are shared (offices, mobile carriers, and the proxy
when ``TRUSTED_PROXIES`` is wrong), so refusing on the address alone lets one guesser lock out
everyone behind it. The address is the client's, read through ``TRUSTED_PROXIES``.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from cadence.kernel.client_address import client_address

logger = logging.getLogger(__name__)


def _limits() -> tuple[int, int, int]:
    return (
        settings.LOGIN_FAILURE_LIMIT,
        settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
        settings.LOGIN_LOCKOUT_SECONDS,
    )


def _account_key(username: str | None) -> str:
    # Hashed: a username is free text, and cache keys have length and character limits.
    normal = (username or "").strip().lower()
    return "lms:login-attempts:user:" + hashlib.sha256(normal.encode()).hexdigest()


def _address_key(address: str) -> str:
    return f"lms:login-failures:addr:{address}"


def _count_one(key: str) -> int:
    """Add one to ``key``'s count and return it; the first one starts a window that never grows."""
    _, _, window = _limits()
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        # The window ended between add() and incr(): this one starts the next.
        cache.add(key, 1, timeout=window)
        return 1


def account_locked(username: str | None) -> bool:
    per_account, _, _ = _limits()
    return (cache.get(_account_key(username)) or 0) >= per_account


def address_throttled(address: str | None) -> bool:
    _, per_address, _ = _limits()
    return address is not None and (cache.get(_address_key(address)) or 0) >= per_address


def _tell(request, text: str) -> None:  # text: plain, or safe HTML from format_html
    # Only a page shows messages; the API (a DRF Request) answers with its own error body.
    if isinstance(request, HttpRequest) and hasattr(request, "_messages"):
        messages.error(request, text)


class ThrottledModelBackend(ModelBackend):
    """Django's model backend with the lockout and throttle described above."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        per_account, per_address, window = _limits()
        minutes = max(1, window // 60)

        if _count_one(_account_key(username)) > per_account:
            _tell(
                request,
                format_html(
                    'Too many failed log-ins. Try again in {} minutes, or <a href="{}">reset your '
                    "password</a>.",
                    minutes,
                    reverse("lms:password_reset"),
                ),
            )
            raise PermissionDenied("too many failed log-ins for this account")

        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            cache.delete(_account_key(username))
            return user

        address = client_address(request) if request is not None else None
        if address is not None:
            failures = _count_one(_address_key(address))
            if failures == per_address:
                logger.warning("log-in failures from %s reached %d", address, failures)
            if failures >= per_address:
                _tell(
                    request,
                    f"Too many failed log-ins from your address. Try again in {minutes} minutes.",
                )
        return None
