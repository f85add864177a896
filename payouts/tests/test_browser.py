import pytest

from payouts.tests.helpers import confirmed_sale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_creator_sees_their_earnings_and_files_tax_info_with_the_tin_masked(
    page, django_user_model
):
    creator = django_user_model.objects.create_user(username="cora", password="cadence-pass-1")
    confirmed_sale(1, creator.public_id)

    page.goto("/accounts/login/?next=/earnings/")
    page.get_by_label("Username").fill("cora")
    page.get_by_label("Password").fill("cadence-pass-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/earnings/")

    assert page.locator('tr[data-status="confirmed"]').inner_text().split("\t")[1] == "$40.00"
    assert page.get_by_role("img", name="Earnings per month in USD").is_visible()
    assert page.get_by_text("Your tax information is missing.").is_visible()

    page.get_by_role("link", name="Tax info").click()
    page.locator("#id_form").select_option("w9")
    page.get_by_label("Legal name").fill("Cora Creator")
    page.locator("#id_country").fill("US")
    page.get_by_label("Address line").fill("1 Main St")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Taxpayer id").fill("123-45-6789")
    page.get_by_label("Signature").fill("Cora Creator")
    page.get_by_label("I certify").check()
    page.get_by_role("button", name="Save tax information").click()

    page.wait_for_url("**/earnings/tax-info/")
    assert page.get_by_text("•••-••-6789").is_visible()
    assert "123-45-6789" not in page.content()
    page.get_by_role("link", name="Dashboard").click()
    assert page.get_by_text("You have not set up a payout account.").is_visible()
    assert not page.get_by_text("Your tax information is missing.").is_visible()
