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
