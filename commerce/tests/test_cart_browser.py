"""A visitor's cart in the browser, on a phone and a desktop: adding a course twice keeps one
line, and logging in merges the visitor's cart into the learner's own, each course once."""

import pytest

from commerce.models import Cart, CartItem
from commerce.services import cart_item_add
from commerce.tests.factories import priced_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def cart_titles(page) -> list[str]:
    page.goto("/cart/")
    return sorted(page.locator("table tbody tr td:first-child").all_inner_texts())


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_visitors_cart_keeps_each_course_once_and_merges_into_hers_on_log_in(
    page, django_user_model, viewport
):
    page.set_viewport_size(viewport)
    priced_item("120.00", title="Secure Payments")
    refunds = priced_item("80.00", title="Refund Rules")
    lena = django_user_model.objects.create_user(username="lena", password="pw-lena-123")
    # Her own cart, from another device, already holds one of the courses.
    cart_item_add(customer_id=lena.public_id, session_key=None, catalog_item_id=refunds.public_id)

    for title in ("Secure Payments", "Secure Payments", "Refund Rules"):
        page.goto("/catalog/")
        page.get_by_role("link", name=title).click()
        page.get_by_role("button", name="Add to cart").click()
    assert cart_titles(page) == ["Refund Rules", "Secure Payments"]

    page.goto("/accounts/login/?next=/cart/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("pw-lena-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/cart/")

    assert cart_titles(page) == ["Refund Rules", "Secure Payments"]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the cart is {overflow}px wider than {viewport['width']}px"
    assert CartItem.objects.filter(cart__customer_id=lena.public_id).count() == 2
    assert not Cart.objects.filter(customer_id=None).exists()  # the visitor's cart is gone
