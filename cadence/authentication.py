"""How people are recognised by the API: a bearer access token, or their session, CSRF-checked
for every unsafe request."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework_simplejwt import exceptions as jwt_exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, CSRF-checking every unsafe request, signed in or not.

    DRF checks the token only once a user is signed in. A visitor's cart lives in the session
    too, so without the check another site could fill or empty it from the visitor's browser;
    the site's own forms have always been checked, and the API now answers the same way. An
    unsafe request that no header credential vouched for is a browser's (the classes that read a
    key come first), so it is checked whether or not it carries the session cookie yet, as
    Django checks a form.
    """

    def authenticate(self, request):
        signed_in = super().authenticate(request)  # checks the token for the signed-in itself
        if signed_in is None:
            self.enforce_csrf(request)  # passes GET, HEAD, OPTIONS and TRACE untouched
        return signed_in


class SessionAuthenticationScheme(SessionScheme):
    """The API docs describe the CSRF-checked session as the cookie authentication it is."""

    target_class = "cadence.authentication.SessionAuthentication"

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": (
                "The session cookie of a signed-in person (`/accounts/login/`), or a visitor's "
                "cart. Every unsafe request (POST, PUT, PATCH, DELETE) must also send the "
                "`csrftoken` cookie's value in the `X-CSRFToken` header, signed in or not "
                "(403 otherwise)."
            ),
        }


class BearerTokenAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access token>``: a short-lived signed token naming only the user.

    The user is read from the database on every request, so a deactivated account is refused at
    once and permissions are always the current ones. A token that is expired, tampered with or
    names no active user is a 401 in the project's error shape. This class comes before the
    session: a request a token vouched for is not a browser's and needs no CSRF token.
    """

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except jwt_exceptions.AuthenticationFailed as refused:
            raise TokenRefused(_token_refusal_message(refused)) from refused


class TokenRefused(exceptions.AuthenticationFailed):
    """A 401 for a bearer token that is not a valid access token of an active user."""

    def __init__(self, message: str, *, field: str = "Authorization"):
        super().__init__(
            detail={"error": {"code": "token_not_valid", "message": message, "field": field}}
        )


def _token_refusal_message(refused: jwt_exceptions.AuthenticationFailed) -> str:
    detail = refused.detail
    if isinstance(detail, dict):
        code = str(detail.get("code", ""))
        if code == "user_inactive" or code == "user_not_found":
            return "the token's user has no active account"
        if code == "bad_authorization_header":
            return "the Authorization header must be 'Bearer <access token>'"
    return "the access token is invalid or expired; obtain a new one with the refresh token"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The API docs describe the bearer token as the JWT it is."""

    target_class = "cadence.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "An access token from `POST /api/v1/auth/token/`, valid a few minutes; renew it "
                "with the refresh token at `POST /api/v1/auth/token/refresh/`."
            ),
        }
