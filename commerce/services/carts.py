"""Carts: one per learner (by LMS user id) or per anonymous session, merged on login."""

from __future__ import annotations

from django.db import transaction

from cadence.kernel.money import currency as money_currency
from cadence.kernel.rows import insert_unless_present
from commerce.errors import CommerceError, CommerceNotFound
from commerce.models import Cart, CartItem, CatalogItem
from commerce.selectors import customer_holds_course, held_course_ids


def _cart_locked(*, customer_id: str | None, session_key: str | None) -> Cart:
    """The owner's cart, created if missing, locked for the rest of the transaction."""
    if customer_id:
        lookup = {"customer_id": customer_id}
    elif session_key:
        lookup = {"session_key": session_key}
    else:
        raise CommerceError("a cart needs a signed-in learner or a session", field="cart")
    cart = Cart.objects.select_for_update().filter(**lookup).first()
    if cart is None:
        cart = Cart(**lookup)
        # Our own new row is ours until we commit; a concurrent request's is taken and locked.
        if not insert_unless_present(cart, unique=list(lookup)):
            cart = Cart.objects.select_for_update().get(**lookup)
    return cart


def _line_add(cart: Cart, item: CatalogItem) -> None:
    """The course in the cart once: adding it again, or concurrently, leaves the one line."""
    insert_unless_present(CartItem(cart=cart, item=item), unique=("cart", "item"))


@transaction.atomic
def cart_item_add(
    *, customer_id: str | None, session_key: str | None, catalog_item_id: str
) -> Cart:
    """Put a course in the cart (once). A learner cannot add a course they already hold."""
    item = CatalogItem.objects.select_related("course").filter(public_id=catalog_item_id).first()
    if item is None or not item.is_listed:
        raise CommerceNotFound(f"no course for sale '{catalog_item_id}'", field="catalogItemId")
    if customer_id and customer_holds_course(
        customer_id=customer_id, course_id=item.course.lms_course_id
    ):
        raise CommerceError("you already have this course", field="catalogItemId")
    cart = _cart_locked(customer_id=customer_id, session_key=session_key)
    if not item.prices.filter(currency=cart.currency).exists():
        raise CommerceError(f"this course is not sold in {cart.currency}", field="catalogItemId")
    _line_add(cart, item)
    return cart


@transaction.atomic
def cart_item_remove(
    *, customer_id: str | None, session_key: str | None, catalog_item_id: str
) -> Cart:
    """Take a course out of the cart; refused (naming ``catalogItemId``) if it is not there."""
    cart = _cart_locked(customer_id=customer_id, session_key=session_key)
    deleted, _ = CartItem.objects.filter(cart=cart, item__public_id=catalog_item_id).delete()
    if not deleted:
        raise CommerceNotFound(f"'{catalog_item_id}' is not in the cart", field="catalogItemId")
    return cart


@transaction.atomic
def cart_currency_set(*, customer_id: str | None, session_key: str | None, currency: str) -> Cart:
    """Price the cart in another currency; refused if a course in it is not sold in that one."""
    code = money_currency(currency, field="currency").code
    cart = _cart_locked(customer_id=customer_id, session_key=session_key)
    missing = (
        CartItem.objects.filter(cart=cart)
        .exclude(item__prices__currency=code)
        .values_list("item__course__title", flat=True)
    )
    if missing:
        titles = ", ".join(f"'{title}'" for title in missing)
        raise CommerceError(f"{titles} is not sold in {code}", field="currency")
    if cart.currency != code:
        cart.currency = code
        cart.save(update_fields=["currency", "updated_at"])
    return cart


@transaction.atomic
def cart_merge(*, session_key: str, customer_id: str) -> Cart | None:
    """Move an anonymous visitor's cart into their own when they log in.

    Courses they already hold are dropped; the anonymous cart is removed. Safe to run twice.
    """
    anonymous = Cart.objects.select_for_update().filter(session_key=session_key).first()
    if anonymous is None:
        return None
    cart = _cart_locked(customer_id=customer_id, session_key=None)
    lines = list(anonymous.items.select_related("item__course"))
    held = held_course_ids(
        customer_id=customer_id, course_ids=[line.item.course.lms_course_id for line in lines]
    )
    for line in lines:
        if line.item.course.lms_course_id not in held:
            _line_add(cart, line.item)
    anonymous.delete()
    return cart
