"""A brand-new buyer's whole journey in the browser, from sign-up to a refunded certificate.

Nobody here comes from the demo: the learner signs up on the page and confirms her address from
the email, buys with a coupon, staff approve her in the admin (the LMS assigns the course's
instructor), she submits the assignment, the assigned instructor grades it from the teaching
desk, she completes and downloads her certificate, then asks for her money back. Afterwards the
certificate is revoked everywhere, her order shows where the enrollment stands, and the creator's
and the instructor's statements show their shares reversed.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from commerce.tests.factories import CouponFactory
from lms.models import Certificate, Enrollment, Lesson
from lms.tests.factories import LessonFactory, ModuleFactory, StaffFactory
from tests.lifecycle import course_for_sale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def log_in(page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")


def fits(page, viewport) -> None:
    """The page at this width needs no sideways scrolling (wide tables scroll in their box)."""
    page.set_viewport_size(viewport)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than {viewport['width']}px"


@pytest.fixture
def course_on_sale():
    """A course its creator published with one graded assignment, priced at $199, taught by
    one instructor; both have their own logins."""
    course, _item = course_for_sale("199.00", title="Django for Payments", slug="django-payments")
    module = ModuleFactory(course=course, title="Practice")
    LessonFactory(module=module, title="Exercise", kind=Lesson.Kind.ASSIGNMENT, position=1)
    instructor = course.assignments.get().instructor
    for person, name in ((instructor, "ivan"), (course.content_creator, "cleo")):
        person.username = name
        person.set_password(PASSWORD)
        person.save()
    CouponFactory(code="WELCOME10")
    StaffFactory(username="ada", first_name="Ada", last_name="Staff", password=PASSWORD)
    return course, instructor


def test_a_brand_new_buyer_learns_is_certified_asks_for_a_refund_and_everyone_sees_it(
    page, course_on_sale, tmp_path
):
    _course, instructor = course_on_sale
    page.set_viewport_size(DESKTOP)

    # She signs up, and her account exists once she confirms her address from the email.
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Newcomer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("email")
    [email] = [m for m in mail.outbox if m.to == ["nora@example.com"]]
    page.goto(re.search(r"https?://[^/]+(/\S+)", email.body).group(1))
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/learning/")

    # She buys the course with a coupon.
    page.goto("/catalog/")
    page.get_by_role("link", name="Django for Payments").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Coupon code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("total")).to_have_text("$179.10")
    page.get_by_label("Payment succeeds").check()
    page.get_by_role("button", name="Pay $179.10").click()
    page.wait_for_url("**/orders/ord_*/")
    order_url = page.url
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")
    enrollment = Enrollment.objects.get(user__username="nora")
    assert enrollment.state == Enrollment.State.PENDING and enrollment.instructor is None

    # Staff approve her in the admin's queue; the LMS proposes and assigns the instructor.
    log_in(page, "/admin/lms/enrollmentapproval/", "ada")
    page.get_by_role("link", name=enrollment.public_id).click()
    proposed = page.get_by_label("Instructor").locator("option:checked")
    expect(proposed).to_have_text(instructor.display_name)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"{enrollment.public_id} is now approved.")).to_be_visible()
    assert Enrollment.objects.get(pk=enrollment.pk).instructor == instructor

    # She starts the course and submits the assignment.
    log_in(page, "/learning/courses/django-payments/", "nora")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Exercise")).to_be_visible()
    page.get_by_label("Answer").fill("Money is integers in minor units.")
    page.get_by_role("button", name="Submit the assignment").click()
    expect(page.get_by_text("Assignment submitted.")).to_be_visible()

    # The instructor the LMS assigned finds it on the teaching desk and grades it.
    log_in(page, "/teaching/", "ivan")
    expect(page.get_by_text("Nora Newcomer").first).to_be_visible()
    page.get_by_role("link", name="Grade").click()
    page.get_by_label("Score (0-100)").fill("92")
    page.get_by_label("Feedback").fill("Clear and correct.")
    page.get_by_role("button", name="Save the grade").click()
    expect(page.get_by_text("Graded Nora Newcomer's submission.")).to_be_visible()

    # She has completed the course and downloads a valid certificate.
    log_in(page, "/learning/courses/django-payments/", "nora")
    expect(page.get_by_text("You completed this course with a grade of 92.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Nora Newcomer" in text and "REVOKED" not in text

    # Her order says where the enrollment stands; she asks for a refund, with a reason.
    page.goto(order_url)
    expect(page.get_by_test_id("enrollment-status")).to_have_text("Completed")
    page.get_by_role("link", name="Request a refund").click()
    page.get_by_label("The course is not what I expected").check()
    page.get_by_label("Anything else we should know?").fill("It was not what I needed.")
    page.get_by_role("button", name="Yes, refund").click()
    page.wait_for_url("**/orders/ord_*/")
    expect(page.get_by_test_id("order-state")).to_have_text("Refunded")
    expect(page.get_by_test_id("enrollment-status")).to_have_text("Revoked")

    # The certificate is revoked everywhere: her learning page, the verify page and the PDF.
    certificate = Certificate.objects.get(enrollment=enrollment)
    page.goto("/learning/")
    expect(page.get_by_test_id("certificate")).to_contain_text("Certificate revoked on")
    page.goto(f"/certificates/{certificate.verification_code}/")
    expect(page.get_by_test_id("verdict")).to_contain_text("revoked")
    with page.expect_download() as download:
        page.goto("/learning/")
        page.get_by_role("link", name="Certificate (PDF, marked revoked)").click()
    download.value.save_as(pdf)
    assert "REVOKED" in "".join(p.extract_text() for p in PdfReader(pdf).pages)
    for url in (order_url, "/learning/", f"/certificates/{certificate.verification_code}/"):
        page.goto(url)
        fits(page, PHONE)
        fits(page, DESKTOP)

    # The creator's and the instructor's statements show what happened to their shares.
    for username in ("cleo", "ivan"):
        log_in(page, "/earnings/statement/", username)
        statement = page.locator("table").first.inner_text()
        assert "Reversal" in statement or "Reversed" in statement, (username, statement)
        fits(page, PHONE)
        fits(page, DESKTOP)
