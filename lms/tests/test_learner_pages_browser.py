"""The learner's pages in the browser, on a phone (390 px) and a desktop (1280 px): starting a
course is a button, a live session counts by checking in while it is on, and a revoked
certificate says so wherever the learner looks."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lms import services
from lms.models import Enrollment, EnrollmentTransition, Lesson
from lms.tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    StaffFactory,
    UserFactory,
    teaching_enrollment,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
VIEWPORTS = [pytest.param(390, id="390px"), pytest.param(1280, id="1280px")]


def log_in(page, url: str, username: str) -> None:
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")


def fits_the_width(page) -> bool:
    """Nothing makes the page scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", VIEWPORTS)
def test_a_lesson_is_read_without_starting_and_the_start_button_starts_the_course(page, width):
    page.set_viewport_size({"width": width, "height": 800})
    learner = UserFactory(username="lena", first_name="Lena", password=PASSWORD)
    course = CourseFactory(title="Django for Payments", slug="django-payments")
    enrollment = teaching_enrollment(course=course, state=Enrollment.State.APPROVED)
    Enrollment.objects.filter(pk=enrollment.pk).update(user=learner)
    module = ModuleFactory(course=course, title="Basics")
    LessonFactory(module=module, title="Welcome", position=1)
    tour = LessonFactory(module=module, title="A tour", position=2)
    lesson_url = f"/learning/courses/django-payments/lessons/{tour.pk}/"

    log_in(page, lesson_url, "lena")

    expect(page.get_by_role("heading", name="A tour")).to_be_visible()
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.APPROVED
    start = page.get_by_role("button", name="Start", exact=True)
    expect(start).to_be_visible()
    assert fits_the_width(page)

    start.click()

    page.wait_for_url(f"**{lesson_url}")
    expect(page.get_by_role("button", name="Start", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Mark as complete")).to_be_visible()
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.IN_PROGRESS
    assert EnrollmentTransition.objects.get(enrollment=enrollment).actor == learner


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_learners_pages_show_a_revoked_certificate_as_revoked(page, width):
    page.set_viewport_size({"width": width, "height": 800})
    learner = UserFactory(username="lena", first_name="Lena", password=PASSWORD)
    course = CourseFactory(title="Django for Payments", slug="django-payments")
    enrollment = teaching_enrollment(course=course, lessons=1, state=Enrollment.State.APPROVED)
    Enrollment.objects.filter(pk=enrollment.pk).update(user=learner)
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    services.lesson_complete(
        enrollment=enrollment, lesson=Lesson.objects.get(module__course=course), actor=learner
    )
    code = Enrollment.objects.get(pk=enrollment.pk).certificate.verification_code

    log_in(page, "/learning/", "lena")
    row = page.locator(f'[data-enrollment="{enrollment.public_id}"]')
    expect(row.get_by_role("link", name="Certificate (PDF)")).to_be_visible()

    services.enrollment_revoke(
        enrollment=Enrollment.objects.get(pk=enrollment.pk),
        actor=StaffFactory(),
        reason="Refunded",
    )
    revoked_on = Enrollment.objects.get(pk=enrollment.pk).certificate.revoked_at
    page.reload()

    verdict = row.get_by_test_id("certificate")
    expect(verdict).to_contain_text(f"Certificate revoked on {revoked_on:%-d %b %Y}")
    expect(row.get_by_role("link", name="Certificate (PDF, marked revoked)")).to_be_visible()
    assert fits_the_width(page)
    row.get_by_role("link", name="Verification page").click()
    page.wait_for_url(f"**/certificates/{code}/")
    expect(page.get_by_test_id("verdict")).to_contain_text("revoked")


@pytest.mark.parametrize("width", VIEWPORTS)
def test_a_learner_checks_in_to_a_live_session_while_it_is_on(page, width):
    page.set_viewport_size({"width": width, "height": 800})
    learner = UserFactory(username="lena", first_name="Lena", password=PASSWORD)
    course = CourseFactory(title="Teaching Online", slug="teaching-online")
    enrollment = teaching_enrollment(course=course, state=Enrollment.State.IN_PROGRESS)
    Enrollment.objects.filter(pk=enrollment.pk).update(user=learner)
    module = ModuleFactory(course=course, title="Practice")
    session = LessonFactory(
        module=module,
        title="Office hours",
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() - dt.timedelta(minutes=5),
        duration_minutes=60,
    )
    LessonFactory(module=module, title="Wrap-up", position=2)

    log_in(page, f"/learning/courses/teaching-online/lessons/{session.pk}/", "lena")
    expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)
    assert fits_the_width(page)
    page.get_by_role("button", name="Check in").click()

    expect(page.get_by_text("You are checked in to “Office hours”.")).to_be_visible()
    expect(page.get_by_role("heading", name="Wrap-up")).to_be_visible()
    assert enrollment.lesson_completions.filter(lesson=session).exists()
