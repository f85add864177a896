"""Notifications, account help, checkout recovery and error pages, in the browser, on a phone
(390 px) and a laptop (1280 px)."""

import pytest
from playwright.sync_api import expect

from commerce.tests.factories import CouponFactory, TaxRateFactory, priced_item
from notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [390, 1280]


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_header_counts_unread_notifications_and_the_list_reads_them(
    page, django_user_model, width
):
    page.set_viewport_size({"width": width, "height": 900})
    user = django_user_model.objects.create_user(username="ada", password="pw-ada-12345")
    for n in range(2):
        Notification.objects.create(recipient_id=user.public_id, kind="reply_posted",
                                    subject_id=f"int_{n}", title=f"New reply {n}")  # fmt: skip
    log_in(page, "ada", "pw-ada-12345")

    link = page.get_by_role("link", name="Notifications 2 unread")
    expect(link).to_be_visible()
    link.click()
    expect(page.locator(".notification-title", has_text="New reply 1")).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("All notifications marked as read.")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    page.get_by_role("link", name="Preferences").click()
    page.get_by_label("Reply to your post").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your notification preferences are saved.")).to_be_visible()
    expect(page.get_by_label("Reply to your post")).not_to_be_checked()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_log_in_page_helps_whoever_is_stuck(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/login/?next=/catalog/")

    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Enter your username.")).to_be_visible()
    expect(page.get_by_text("Enter your password.")).to_be_visible()
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("password")
    page.goto("/accounts/login/?next=/catalog/")
    page.get_by_role("link", name="Sign up", exact=True).last.click()
    assert "next=/catalog/" in page.url


@pytest.mark.parametrize("width", WIDTHS)
def test_a_declined_card_keeps_the_address_and_coupon_for_the_second_try(
    page, django_user_model, width
):
    page.set_viewport_size({"width": width, "height": 900})
    TaxRateFactory(country="US", region="NY", percent="4.0000")
    CouponFactory(code="TEN")
    item = priced_item("100.00", title="Second Try")
    django_user_model.objects.create_user(username="kim", password="pw-kim-12345")
    log_in(page, "kim", "pw-kim-12345")
    page.goto(f"/catalog/{item.course.lms_course_id}/")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()

    page.get_by_label("Country").select_option("US")
    page.get_by_label("State / region").select_option("NY")
    page.get_by_label("Coupon code").fill("TEN")
    page.get_by_label("Card declined").check()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Your card was declined.").first).to_be_visible()

    page.get_by_test_id("try-again").click()
    expect(page.get_by_label("State / region")).to_have_value("NY")
    expect(page.get_by_label("Coupon code")).to_have_value("TEN")
    page.get_by_label("Payment succeeds").check()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")

    page.go_back()  # to the checkout: the order again, never a Pay button
    page.wait_for_url("**/orders/ord_*/")
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_missing_page_is_friendly(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    page.get_by_role("link", name="Browse the catalog").click()
    page.wait_for_url("**/catalog/")
