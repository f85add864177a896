"""Whose cart a request is about: the learner's LMS user id, or an anonymous session's token."""

from __future__ import annotations

import secrets

from commerce.receivers import ANONYMOUS_CART


def cart_owner(request, *, create: bool = False) -> tuple[str | None, str | None]:
    """``(customer_id, None)`` for a signed-in learner, ``(None, token)`` for a visitor.

    The visitor's token lives in the session data (not the session key, which login rotates),
    so the cart can be merged into the learner's on login.
    """
    if request.user.is_authenticated:
        return request.user.public_id, None
    token = request.session.get(ANONYMOUS_CART)
    if token is None and create:
        token = request.session[ANONYMOUS_CART] = secrets.token_urlsafe(24)
    return None, token
