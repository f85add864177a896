"""The purchase journey with the keyboard alone: Tab to each control, Enter (or Space) to use
it, from the course page to the paid order, on a phone and on a laptop."""

import re

import pytest

from commerce.models import Order
from commerce.tests.factories import priced_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 60


def tab_to(page, name: str) -> None:
    """Press Tab until the focused control reads ``name``; it must be reachable, and visible."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; return e && (e.innerText || e.value ||"
            " e.getAttribute('aria-label') || '').trim(); }"
        )
        if focused.startswith(name):
            assert page.evaluate("() => document.activeElement.getBoundingClientRect().width > 0")
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab on {page.url}")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_learner_buys_a_course_with_the_keyboard_alone(page, django_user_model, width):
    page.set_viewport_size({"width": width, "height": 900})
    item = priced_item("49.00", title="Keyboard Course")
    django_user_model.objects.create_user(username="kim", password="pw-kim-12345")

    page.goto(f"/catalog/{item.course.lms_course_id}/")
    tab_to(page, "Add to cart")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cart/")
    tab_to(page, "Check out")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/**")
    # The username field takes the focus by itself (autofocus), which the browser applies at its
    # next rendering after the load: wait for it, as a person would see the caret, then type.
    page.wait_for_function("() => document.activeElement?.id === 'id_username'")
    page.keyboard.type("kim")
    page.keyboard.press("Tab")  # to the password field
    page.keyboard.type("pw-kim-12345")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^[^?]*/checkout/$"))  # not the log-in page with its next
    tab_to(page, "Pay $49.00")
    page.keyboard.press("Enter")
    page.wait_for_url("**/orders/ord_*/")

    assert Order.objects.get().state == "paid"
    assert "your order is confirmed" in page.content()
