"""The Django admin and the API docs work under the Content-Security-Policy (the ``page`` fixture
fails a test on anything the policy blocks)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_works_under_the_content_security_policy(page, django_user_model):
    django_user_model.objects.create_superuser(username="root", password="pw-root-123")

    page.goto("/admin/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    page.goto("/admin/lms/user/add/")
    # The admin's own scripts run: the sidebar filter and the password switch.
    page.get_by_placeholder("Start typing to filter").fill("coupon")
    assert not page.get_by_role("link", name="Orders", exact=True).is_visible()
    page.get_by_label("Disabled").check()
    assert not page.locator("#id_password1").is_visible()
    page.get_by_label("Enabled").check()
    page.get_by_label("Username").fill("lena")
    page.locator("#id_password1").fill("a fine long passphrase 42")
    page.locator("#id_password2").fill("a fine long passphrase 42")
    page.get_by_role("button", name="Save", exact=True).click()

    page.wait_for_url("**/admin/lms/user/*/change/")
    page.get_by_text("was added successfully").wait_for()
    assert django_user_model.objects.filter(username="lena").exists()


def test_the_api_docs_render_under_the_content_security_policy(page, django_user_model):
    page.goto("/api/docs/")

    page.locator(".opblock").first.wait_for()
    assert page.get_by_text("/api/v1/payouts/payouts/").first.is_visible()
