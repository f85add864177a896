"""A staff member approves from the admin queue; the learner then sees it on My learning."""

import pytest
from playwright.sync_api import expect

from lms.models import Enrollment
from lms.tests.factories import EnrollmentFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def log_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_staff_approve_in_the_queue_and_the_learner_sees_it_approved(page):
    StaffFactory(username="ada", password=PASSWORD)
    learner = UserFactory(username="lena", first_name="Lena", password=PASSWORD)
    enrollment = EnrollmentFactory(user=learner, course__title="Django for Payments")

    log_in(page, "/admin/login/?next=/admin/lms/enrollmentapproval/", "ada")
    page.get_by_role("link", name=enrollment.public_id).click()
    page.get_by_role("button", name="Approve").click()

    expect(page.get_by_text(f"{enrollment.public_id} is now approved.")).to_be_visible()
    expect(page.get_by_text("0 pending enrollments")).to_be_visible()
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.APPROVED

    page.context.clear_cookies()
    log_in(page, "/accounts/login/?next=/learning/", "lena")
    page.wait_for_url("**/learning/")
    row = page.locator(f"tr[data-enrollment='{enrollment.public_id}']")
    assert "Django for Payments" in row.inner_text()
    expect(row.get_by_text("Approved", exact=True)).to_be_visible()
    assert "start the course whenever you are ready" in row.inner_text()
