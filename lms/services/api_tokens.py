"""API tokens for people: a pair for a username and password, a refresh that works once.

The pair is issued under the same log-in protection as the pages (``lms.auth``): the attempt is
counted by the authentication backend, a locked account gets no token even with the right
password, and a successful log-in clears the count. The access token names only the user's
public id; whoever holds it is read from the database on each request (cadence.authentication).

A refresh token is spent when used: it is blacklisted and the answer carries a new pair. Two
refreshes of one token at once are serialised on its row, so exactly one of them gets a pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from cadence.kernel.client_address import client_address
from cadence.kernel.errors import ApplicationError
from lms.auth import account_locked, address_throttled
from lms.models import User


class CredentialsRefused(ApplicationError):
    """Wrong username or password, or an inactive account (401): the answer never says which."""

    status_code = 401
    code = "invalid_credentials"


class LoginLocked(ApplicationError):
    """Too many failed log-ins for the account or from the address (429)."""

    status_code = 429
    code = "too_many_failed_logins"


class TokenRefused(ApplicationError):
    """A token that is invalid, expired, already used or whose user is no longer active (401)."""

    status_code = 401
    code = "token_not_valid"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def token_pair_issue(*, request, username: str, password: str) -> TokenPair:
    """A new pair for the person whose credentials these are, or a refusal that issues nothing."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
        if account_locked(username):
            raise LoginLocked(
                f"too many failed log-ins for this account; try again in {minutes} minutes, "
                "or reset your password",
                field="username",
            )
        if address_throttled(client_address(request)):
            raise LoginLocked(
                f"too many failed log-ins from your address; try again in {minutes} minutes"
            )
        raise CredentialsRefused("the username or password is not correct", field="password")
    return _pair_for(user)


def token_pair_refresh(*, refresh: str) -> TokenPair:
    """A new pair for a refresh token not used before, whose user is still active; the token
    given is spent."""
    token = _valid(RefreshToken, refresh, field="refresh")
    with transaction.atomic():
        outstanding = (
            OutstandingToken.objects.select_for_update()
            .filter(jti=token[api_settings.JTI_CLAIM])
            .first()
        )
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            raise TokenRefused("the refresh token was already used or revoked", field="refresh")
        user = _active_user(token, field="refresh")
        try:
            with transaction.atomic():
                BlacklistedToken.objects.create(token=outstanding)
        except IntegrityError as already:  # a database without row locks (SQLite) raced us
            raise TokenRefused(
                "the refresh token was already used or revoked", field="refresh"
            ) from already
        return _pair_for(user)


def token_check(*, token: str) -> None:
    """Refuse unless ``token`` is a valid access or refresh token, not revoked, of an active
    user."""
    checked = _valid(UntypedToken, token, field="token")
    jti = checked.get(api_settings.JTI_CLAIM)
    if BlacklistedToken.objects.filter(token__jti=jti).exists():
        raise TokenRefused("the token was already used or revoked", field="token")
    _active_user(checked, field="token")


def _pair_for(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)  # recorded as outstanding, so that it can be spent
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _valid(token_class, raw: str, *, field: str):
    try:
        return token_class(raw)
    except TokenError as refused:
        raise TokenRefused(f"the {field} token is invalid or expired", field=field) from refused


def _active_user(token, *, field: str) -> User:
    user = User.objects.filter(
        **{api_settings.USER_ID_FIELD: token.get(api_settings.USER_ID_CLAIM)}, is_active=True
    ).first()
    if user is None:
        raise TokenRefused("the token's user has no active account", field=field)
    return user


def expired_tokens_flush() -> int:
    """Delete the records of refresh tokens past their expiry, spent or not: an expired token
    is refused by its signature's ``exp`` alone. Returns how many were deleted."""
    _, deleted = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted.get(OutstandingToken._meta.label, 0)
