"""How people are recognised by the API: their session, CSRF-checked for every unsafe request."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication


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
