"""PayPal on the checkout page, in Chromium, at a phone's and a desktop's width.

PayPal's JS SDK cannot load here (no network), so a stand-in answers at its real address: it
draws a button into the container and, when clicked, calls our page's ``createOrder`` and, once
the buyer "approved" at the fake PayPal, ``onApprove``, as PayPal's buttons do. Everything else
is real: our page and script, its Content-Security-Policy, our API, the PayPal server SDK and
the fake PayPal API behind it.
"""

import pytest

from commerce.models import Order, RevenueLedgerEntry
from commerce.tests import fake_paypal
from commerce.tests.factories import in_cart, priced_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_PAYPAL_JS = """
window.paypal = {
  Buttons(options) {
    return {render(container) {
      const pay = document.createElement("button");
      pay.type = "button";
      pay.textContent = "PayPal";
      pay.className = "fake-paypal-button";
      pay.addEventListener("click", async () => {
        container.dataset.paypalOrder = await options.createOrder();
      });
      const approve = document.createElement("button");
      approve.type = "button";
      approve.textContent = "Approve at PayPal";
      approve.addEventListener("click", () => options.onApprove({}));
      container.append(pay, approve);
    }};
  },
};
"""


@pytest.fixture
def paypal_api(settings):
    with fake_paypal.FakePayPal() as fake:
        settings.PAYMENT_PROCESSORS = ["paypal", "test"]
        settings.PAYPAL_CLIENT_ID = fake_paypal.CLIENT_ID
        settings.PAYPAL_SECRET = fake_paypal.SECRET
        settings.PAYPAL_WEBHOOK_ID = fake_paypal.WEBHOOK_ID
        settings.PAYPAL_API_BASE = fake.url
        yield fake


def log_in(page, django_user_model):
    user = django_user_model.objects.create_user(username="lena", password="pw-lena-123")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("pw-lena-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    return user


def serve_paypal_js(page, requested: list[str]):
    def answer(route):
        requested.append(route.request.url)
        route.fulfill(content_type="application/javascript", body=FAKE_PAYPAL_JS)

    page.route("https://www.paypal.com/**", answer)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_checkout_page_shows_paypals_buttons(page, django_user_model, paypal_api, width):
    requested: list[str] = []
    serve_paypal_js(page, requested)
    page.set_viewport_size({"width": width, "height": 900})
    user = log_in(page, django_user_model)
    in_cart(user.public_id, priced_item("199.00", title="PayPal Course"))

    page.goto("/checkout/")

    assert page.get_by_label("PayPal").is_checked()  # first in the operator's order
    container = page.get_by_test_id("paypal-buttons")
    assert container.is_visible()
    assert page.get_by_role("button", name="PayPal", exact=True).is_visible()
    assert not page.get_by_role("button", name="Pay $199.00").is_visible()
    box = container.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert requested and "client-id=paypal-client-id" in requested[0]
    assert "currency=USD" in requested[0]

    page.get_by_label("Test payment (no card needed)").check()  # another choice
    assert not container.is_visible()
    assert page.get_by_role("button", name="Pay $199.00").is_visible()


def test_paying_with_paypals_button_places_captures_and_shows_the_paid_order(
    page, django_user_model, paypal_api
):
    serve_paypal_js(page, [])
    user = log_in(page, django_user_model)
    in_cart(user.public_id, priced_item("199.00", title="PayPal Course"))
    page.goto("/checkout/")

    page.get_by_role("button", name="PayPal", exact=True).click()
    created = page.locator("#paypal-buttons[data-paypal-order]")  # createOrder answered
    created.wait_for()
    paypal_order = created.get_attribute("data-paypal-order")
    paypal_api.approve(paypal_order, fee="7.44")  # the buyer, in PayPal's window
    page.get_by_role("button", name="Approve at PayPal").click()

    page.wait_for_url("**/orders/ord_*/")
    assert page.get_by_test_id("order-state").inner_text() == "Paid"
    order = Order.objects.get()
    assert (order.state, order.processor) == ("paid", "paypal")
    assert RevenueLedgerEntry.objects.get().fee_minor == 744
