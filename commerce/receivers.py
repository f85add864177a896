"""Django auth tells commerce about a login; the anonymous cart joins the learner's."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from commerce.services import cart_merge

ANONYMOUS_CART = "commerce_anonymous_cart"


@receiver(user_logged_in, dispatch_uid="commerce.cart_merge_on_login")
def merge_cart_on_login(sender, request, user, **kwargs) -> None:
    token = request.session.pop(ANONYMOUS_CART, None) if request is not None else None
    public_id = getattr(user, "public_id", None)
    if token and public_id:
        cart_merge(session_key=token, customer_id=public_id)
