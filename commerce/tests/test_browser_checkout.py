import pytest

from commerce.models import Order, Payment, RevenueLedgerEntry
from commerce.tests.factories import CouponFactory, priced_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, django_user_model):
    user = django_user_model.objects.create_user(username="lena", password="pw-lena-123")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("pw-lena-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    return user


def add_to_cart(page, title):
    page.goto("/")
    page.get_by_role("link", name="Catalog").click()
    page.get_by_label("Search").fill(title.split()[0])
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()


def test_browse_add_to_cart_apply_a_coupon_pay_and_see_the_receipt(page, django_user_model):
    priced_item("199.00", title="Django for Payments")
    CouponFactory(code="WELCOME10")
    log_in(page, django_user_model)

    add_to_cart(page, "Django for Payments")
    page.get_by_label("Coupon code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_test_id("discount").inner_text() == "-$19.90"
    assert page.get_by_test_id("total").inner_text() == "$179.10"
    page.get_by_label("Payment succeeds").check()
    page.get_by_role("button", name="Pay $179.10").click()

    page.wait_for_url("**/orders/ord_*/")
    assert "your order is confirmed" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_test_id("order-state").inner_text() == "Paid"
    assert page.get_by_test_id("order-total").inner_text() == "$179.10"
    order = Order.objects.get()
    assert order.state == "paid" and order.coupon_code == "WELCOME10"
    assert RevenueLedgerEntry.objects.get().gross_minor == 17910


def test_a_declined_payment_leaves_the_order_failed_and_nothing_charged(page, django_user_model):
    priced_item("49.00", title="Declined Course")
    log_in(page, django_user_model)

    add_to_cart(page, "Declined Course")
    page.get_by_label("Card declined").check()
    page.get_by_role("button", name="Pay $49.00").click()

    page.wait_for_url("**/orders/ord_*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Payment failed"
    assert page.get_by_test_id("order-state").inner_text() == "Failed"
    assert page.get_by_text("Nothing was charged").first.is_visible()
    assert Order.objects.get().state == "failed"
    assert Payment.objects.get().state == "failed"
    assert not RevenueLedgerEntry.objects.exists()


def test_a_visitors_cart_survives_login_and_an_authenticated_payment_is_paid(
    page, django_user_model
):
    priced_item("120.00", title="Secure Payments")
    django_user_model.objects.create_user(username="lena", password="pw-lena-123")

    page.goto("/catalog/")
    page.get_by_role("link", name="Secure Payments").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()  # asks the visitor to log in first
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("pw-lena-123")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url("**/checkout/")
    page.get_by_label("Requires authentication").check()
    page.get_by_role("button", name="Pay $120.00").click()
    page.wait_for_url("**/authenticate/")
    page.get_by_role("button", name="Complete authentication").click()

    page.wait_for_url("**/orders/ord_*/")
    assert page.get_by_test_id("order-state").inner_text() == "Paid"
    assert Order.objects.get().state == "paid"


# Stands in for Stripe.js at its real address, so that the page's Content-Security-Policy is
# tested as it applies to Stripe: it mounts a frame from js.stripe.com where the Payment Element
# goes, and confirming the payment sends the browser to the return URL, as Stripe does.
FAKE_STRIPE_JS = """
window.Stripe = function (publishableKey) {
  return {
    elements(options) {
      return {create(kind) {
        return {mount(selector) {
          const frame = document.createElement("iframe");
          frame.src = "https://js.stripe.com/v3/elements-inner-payment.html";
          frame.title = "Secure payment input frame";
          frame.dataset.clientSecret = options.clientSecret;
          frame.dataset.publishableKey = publishableKey;
          document.querySelector(selector).appendChild(frame);
        }};
      }};
    },
    async confirmPayment({confirmParams}) {
      window.location.assign(confirmParams.return_url);
      return {};
    },
  };
};
"""


def test_stripes_payment_element_loads_and_pays_under_the_content_security_policy(
    page, django_user_model, settings
):
    from commerce.services import checkout_start
    from commerce.tests.factories import in_cart
    from commerce.tests.fake_stripe import FakeStripe

    def stripe_js(route):
        if route.request.url.endswith(".html"):
            route.fulfill(content_type="text/html", body="<p>card fields</p>")
        else:
            route.fulfill(content_type="application/javascript", body=FAKE_STRIPE_JS)

    with FakeStripe() as stripe_api:
        settings.PAYMENT_PROCESSOR = "stripe"
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test_fake"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
        settings.STRIPE_API_BASE = stripe_api.url
        user = log_in(page, django_user_model)
        in_cart(user.public_id, priced_item("50.00", title="Stripe Course"))
        started = checkout_start(customer_id=user.public_id, billing_country="US")
        page.route("https://js.stripe.com/**", stripe_js)

        page.goto(f"/checkout/payments/{started.payment.public_id}/pay/")
        frame = page.get_by_title("Secure payment input frame")
        assert frame.get_attribute("data-client-secret") == started.client_secret
        assert frame.get_attribute("data-publishable-key") == "pk_test_fake"
        assert page.frame_locator("#payment-element iframe").get_by_text("card fields").is_visible()
        stripe_api.succeed(started.payment.processor_reference, fee=175)
        page.get_by_role("button", name="Pay now").click()

        page.wait_for_url("**/orders/ord_*/")
        assert page.get_by_test_id("order-state").inner_text() == "Paid"
