"""The cart API is CSRF-checked for visitors as for learners, as the cart's forms always were."""

import pytest
from django.conf import settings
from django.test import Client

from commerce.models import CartItem
from commerce.tests.factories import priced_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """A browser as a real one behaves: Django's test client with the CSRF check switched on."""
    return Client(enforce_csrf_checks=True)


def visit_the_course_page(browser, item) -> str:
    """The visitor opens a course page (which sets the CSRF cookie); returns the token."""
    page = browser.get(f"/catalog/{item.course.lms_course_id}/")
    assert page.status_code == 200
    return browser.cookies[settings.CSRF_COOKIE_NAME].value


def add_with_the_form(browser, item, token: str) -> None:
    """The visitor adds a course with the page's form, which starts the session's cart."""
    added = browser.post(
        "/cart/add/", {"catalog_item_id": item.public_id, "csrfmiddlewaretoken": token}
    )
    assert added.status_code == 302
    assert settings.SESSION_COOKIE_NAME in browser.cookies


def test_a_visitors_unsafe_cart_requests_without_a_token_are_refused_and_change_nothing(browser):
    first, second = priced_item("50.00"), priced_item("70.00")
    token = visit_the_course_page(browser, first)
    add_with_the_form(browser, first, token)
    assert CartItem.objects.count() == 1

    add = browser.post("/api/v1/cart/items/", {"catalogItemId": second.public_id},
                       content_type="application/json")  # fmt: skip
    currency = browser.put("/api/v1/cart/currency/", {"currency": "EUR"},
                           content_type="application/json")  # fmt: skip
    remove = browser.delete(f"/api/v1/cart/items/{first.public_id}/")

    assert [add.status_code, currency.status_code, remove.status_code] == [403, 403, 403]
    assert add.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in add.json()["error"]["message"]
    assert list(CartItem.objects.values_list("item_id", flat=True)) == [first.pk]
    cart = browser.get("/api/v1/cart/").json()
    assert (cart["currency"], len(cart["items"])) == ("USD", 1)


def test_a_visitor_without_a_session_yet_is_checked_too(browser):
    item = priced_item("50.00")
    refused = browser.post("/api/v1/cart/items/", {"catalogItemId": item.public_id},
                           content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    assert not CartItem.objects.exists()


def test_the_sites_pages_send_the_token_and_the_cart_api_serves_them(browser):
    first, second = priced_item("50.00"), priced_item("70.00")
    token = visit_the_course_page(browser, first)
    add_with_the_form(browser, first, token)

    headers = {"HTTP_X_CSRFTOKEN": token}
    add = browser.post("/api/v1/cart/items/", {"catalogItemId": second.public_id},
                       content_type="application/json", **headers)  # fmt: skip
    assert add.status_code == 201 and len(add.json()["items"]) == 2
    remove = browser.delete(f"/api/v1/cart/items/{first.public_id}/", **headers)
    assert remove.status_code == 200
    assert [line["catalogItemId"] for line in remove.json()["items"]] == [second.public_id]


def test_a_signed_in_learners_unsafe_cart_request_is_checked_as_before(browser, django_user_model):
    item = priced_item("50.00")
    django_user_model.objects.create_user(username="lena", password="pw-lena-123")
    browser.login(username="lena", password="pw-lena-123")
    refused = browser.post("/api/v1/cart/items/", {"catalogItemId": item.public_id},
                           content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    assert not CartItem.objects.exists()


def test_reading_the_cart_needs_no_token(browser):
    assert browser.get("/api/v1/cart/").status_code == 200
