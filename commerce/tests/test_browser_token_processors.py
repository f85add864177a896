"""The Square and Elavon payment pages in a browser, on a phone and a desktop screen.

Square's Web Payments SDK and Converge's Lightbox load from their own servers, which a test
cannot reach: those requests are cut off here, and the test plays the part of the processor's
script (the token or sale id it would hand back) to drive our server's side of the flow. The
page's Content-Security-Policy must block nothing on the way (the ``page`` fixture checks).
"""

import json

import pytest

from commerce.models import Order, RevenueLedgerEntry
from commerce.services import checkout_start
from commerce.tests.factories import in_cart, priced_item
from commerce.tests.fake_elavon import FakeElavon
from commerce.tests.fake_square import OK_NONCE, FakeSquare
from commerce.tests.processor_settings import offer_elavon, offer_square

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(390, 844), (1280, 800)]


def log_in(page, django_user_model):
    user = django_user_model.objects.create_user(username="lena", password="pw-lena-123")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("pw-lena-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    return user


def offline(page):
    """The processors' scripts cannot be fetched here: refuse them at once."""
    page.route("**/*squarecdn.com/**", lambda route: route.abort())
    page.route("**/*convergepay.com/**", lambda route: route.abort())


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_square_page_shows_its_card_form_and_pays_with_the_token(
    page, django_user_model, settings, width, height
):
    with FakeSquare() as square:
        offer_square(settings, square, also=("test",))
        page.set_viewport_size({"width": width, "height": height})
        offline(page)
        user = log_in(page, django_user_model)
        in_cart(user.public_id, priced_item("49.00", title="Square Course"))

        page.goto("/checkout/")
        page.get_by_label("Card, Apple Pay or Google Pay (Square)").check()
        page.get_by_role("button", name="Pay $49.00").click()
        page.wait_for_url("**/square/")

        container = page.get_by_test_id("square-card-container")
        assert container.is_visible() and fits(page)
        assert container.bounding_box()["width"] <= width
        # Square's script did not load: the page says so instead of failing silently.
        assert "could not load" in page.get_by_role("alert").inner_text()
        # What Square's script does once the card is tokenized.
        page.evaluate(
            "token => { document.getElementById('square-token').value = token;"
            " document.getElementById('square-form').submit(); }",
            OK_NONCE,
        )
        page.wait_for_url("**/orders/ord_*/")
        assert page.get_by_test_id("order-state").inner_text() == "Paid"
        assert Order.objects.get().state == "paid"
        assert RevenueLedgerEntry.objects.get().fee_minor == 4900 * 26 // 1000 + 15


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_elavon_page_shows_its_lightbox_button_and_pays_the_verified_sale(
    page, django_user_model, settings, width, height
):
    with FakeElavon() as converge:
        offer_elavon(settings, converge)
        page.set_viewport_size({"width": width, "height": height})
        offline(page)
        user = log_in(page, django_user_model)
        in_cart(user.public_id, priced_item("49.00", title="Elavon Course"))
        started = checkout_start(customer_id=user.public_id, billing_country="US")

        page.goto(f"/checkout/payments/{started.payment.public_id}/elavon/")

        assert page.get_by_test_id("elavon-container").is_visible() and fits(page)
        assert page.get_by_role("link", name="Or pay on Elavon's payment page").is_visible()
        page.get_by_role("button", name="Pay with card").click()
        assert "could not load" in page.get_by_role("alert").inner_text()
        # What the Lightbox's approval callback hands the page: the sale Converge made.
        token = json.loads(page.locator("#elavon-token").text_content())
        sale = converge.pay(token)
        page.evaluate(
            "id => { document.getElementById('elavon-txn-id').value = id;"
            " document.getElementById('elavon-form').submit(); }",
            sale["ssl_txn_id"],
        )
        page.wait_for_url("**/orders/ord_*/")
        assert page.get_by_test_id("order-state").inner_text() == "Paid"
