"""What a newcomer sees after ``make run``: the demo's story on the real pages."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("cadence-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def test_the_demo_shows_paid_earnings_a_certificate_and_an_enrollment_to_approve(page):
    call_command("seed_demo", "--json")

    log_in(page, "creator")
    page.goto("/earnings/")
    assert "$77.17" in page.locator("tr", has_text="Paid").inner_text()
    assert "$129.02" in page.locator("tr", has_text="Pending").inner_text()

    page.context.clear_cookies()
    log_in(page, "graduate")
    page.goto("/learning/")
    assert "Completed · grade 92" in page.locator("tr", has_text="Django for Payments").inner_text()

    page.context.clear_cookies()
    log_in(page, "admin")
    page.goto("/admin/lms/enrollmentapproval/")
    queue = page.locator("#result_list tbody tr")
    assert queue.count() == 1
    assert "Teaching Online That Works" in queue.first.inner_text()
