"""The sales page, the course player, the teaching pages and the earnings pages in Chromium, on
a phone (390 px) and a desktop (1280 px): each works, needs no sideways scrolling, and the
Content-Security-Policy blocks nothing on the way (the ``page`` fixture checks that)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from cadence.kernel.money import Money
from commerce.services import catalog_item_price_set
from lms.demo_images import gradient_png
from lms.models import Enrollment, Lesson, LessonCompletion, LessonResource, Submission
from lms.services import course_catalogue_refresh, roles_ensure
from lms.tests.factories import (
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    SubmissionFactory,
    UserFactory,
)
from payouts import api as payouts_api
from payouts.tests.helpers import confirmed_sale
from tests.lifecycle import course_for_sale, deliver_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def log_in(page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")


def fits(page, viewport) -> None:
    """At this width the page needs no sideways scrolling (wide tables scroll in their box)."""
    page.set_viewport_size(viewport)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than {viewport['width']}px"


@pytest.fixture
def course():
    """A published course with a cover, outcomes, a free preview with a video and slides, an
    assignment, and a creator and an instructor with bios; on sale at $149 instead of $199."""
    roles_ensure()
    course, _item = course_for_sale("199.00", title="Django for Payments", slug="django-payments")
    course.outcomes = "Store money as integer minor units\nSplit revenue to the cent"
    course.image.save(
        "cover.png", ContentFile(gradient_png(480, 270, (47, 75, 216), (23, 112, 58)))
    )
    creator = course.content_creator
    creator.first_name, creator.last_name, creator.username = "Chloe", "Creator", "chloe"
    creator.bio = "Chloe built payment systems at two start-ups."
    creator.photo.save("me.png", ContentFile(gradient_png(96, 96, (47, 75, 216), (244, 246, 250))))
    creator.groups.add(Group.objects.get(name="creator"))
    instructor = course.assignments.get().instructor
    instructor.first_name, instructor.username = "Ivan", "ivan"
    instructor.bio = "Ivan answers every question within a day."
    instructor.groups.add(Group.objects.get(name="instructor"))
    for person in (creator, instructor):
        person.set_password(PASSWORD)
        person.save()
    basics = ModuleFactory(course=course, title="Getting started", position=0)
    welcome = LessonFactory(
        module=basics,
        title="Welcome",
        kind=Lesson.Kind.VIDEO,
        position=0,
        duration_minutes=5,
        is_preview=True,
        body="What this course is about.",
    )
    welcome.video_file.save("welcome.mp4", ContentFile(b"\x00" * 4096), save=True)
    slides = LessonResource(lesson=welcome, title="Welcome slides")
    slides.file.save("slides.pdf", ContentFile(b"%PDF-1.4 slides"), save=True)
    LessonFactory(module=basics, title="Money as integers", position=1, duration_minutes=12)
    practice = ModuleFactory(course=course, title="Practice", position=1)
    LessonFactory(
        module=practice,
        title="Your first exercise",
        kind=Lesson.Kind.ASSIGNMENT,
        position=0,
        duration_minutes=45,
    )
    course.save()
    course_catalogue_refresh(course=course)
    catalog_item_price_set(
        lms_course_id=course.public_id,
        price=Money.parse("199.00", "USD"),
        sale_price=Money.parse("149.00", "USD"),
    )
    deliver_all()
    return course


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_visitor_reads_the_sales_page_and_opens_the_free_preview(page, course, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"/catalog/{course.public_id}/")

    expect(page.get_by_role("heading", name="Django for Payments", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Cover of the course Django for Payments")).to_be_visible()
    expect(page.get_by_text("Split revenue to the cent")).to_be_visible()
    expect(page.get_by_test_id("price")).to_have_text("$149.00")
    expect(page.get_by_test_id("list-price")).to_contain_text("$199.00")
    expect(page.get_by_test_id("curriculum-summary")).to_have_text(
        "2 modules · 3 lessons · 1 h 2 min in all · 1 free preview"
    )
    expect(page.get_by_role("img", name="Photo of Chloe Creator")).to_be_visible()
    expect(page.get_by_text("Ivan answers every question within a day.")).to_be_visible()
    expect(page.get_by_test_id("refund-policy")).to_contain_text("within 30 days")
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "Course" and data["offers"]["price"] == "149.00"
    assert page.locator('meta[property="og:title"]').get_attribute("content") == (
        "Django for Payments"
    )
    fits(page, viewport)

    page.get_by_role("link", name="Welcome").click()
    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()
    expect(page.locator("video")).to_be_visible()
    expect(page.get_by_role("link", name="Welcome slides")).to_be_visible()
    fits(page, viewport)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_learner_plays_lessons_ticks_them_off_and_resumes(page, course, viewport):
    learner = UserFactory(username="lena", first_name="Lena")
    enrollment = EnrollmentFactory(user=learner, course=course, state=Enrollment.State.IN_PROGRESS)
    welcome = Lesson.objects.get(module__course=course, title="Welcome")
    LessonCompletion.objects.create(enrollment=enrollment, lesson=welcome)
    page.set_viewport_size(viewport)
    log_in(page, f"/learning/courses/{course.slug}/lessons/{welcome.pk}/", "lena")

    outline = page.get_by_role("complementary", name="Course outline")
    expect(outline.locator(".outline-lesson.is-done")).to_have_count(1)
    expect(outline.get_by_role("link", name="Welcome")).to_have_attribute("aria-current", "page")
    # The uploaded video streams in ranges, for this learner only.
    status, content_range = page.evaluate(
        """async (url) => { const r = await fetch(url, {headers: {Range: 'bytes=0-99'}});
           return [r.status, r.headers.get('Content-Range')]; }""",
        f"/learning/lessons/{welcome.pk}/video",
    )
    assert (status, content_range) == (206, "bytes 0-99/4096")
    fits(page, viewport)

    page.get_by_role("link", name="Money as integers →").click()
    expect(page.get_by_role("heading", name="Money as integers", level=1)).to_be_visible()
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_role("heading", name="Your first exercise", level=1)).to_be_visible()
    fits(page, viewport)

    page.goto(f"/learning/courses/{course.slug}/")
    expect(page.get_by_test_id("resume")).to_have_text("Resume: Your first exercise")
    expect(page.get_by_test_id("progress")).to_have_text("2 of 3 lessons done")
    fits(page, viewport)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_an_instructor_finds_teaching_in_the_header_and_filters_the_queue(page, course, viewport):
    instructor = course.assignments.get().instructor
    for name in ("Ada", "Ben"):
        enrollment = EnrollmentFactory(
            user=UserFactory(first_name=name),
            course=course,
            instructor=instructor,
            state=Enrollment.State.IN_PROGRESS,
        )
        submission = SubmissionFactory(
            enrollment=enrollment,
            lesson=Lesson.objects.get(module__course=course, kind=Lesson.Kind.ASSIGNMENT),
        )
        if name == "Ada":
            Submission.objects.filter(pk=submission.pk).update(
                submitted_at=datetime(2025, 1, 1, tzinfo=UTC)
            )
    page.set_viewport_size(viewport)
    log_in(page, "/learning/", "ivan")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teaching").click()
    expect(page.get_by_role("heading", name="Teaching", level=1)).to_be_visible()
    fits(page, viewport)
    page.get_by_role("link", name="Grading queue", exact=True).click()
    expect(page.locator("tr[data-submission]")).to_have_count(2)
    page.get_by_label("Waiting", exact=True).select_option("7")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tr[data-submission]")).to_have_count(1)
    expect(page.locator("tr[data-submission]")).to_contain_text("Ada")
    fits(page, viewport)
    page.get_by_role("link", name="Learners", exact=True).click()
    expect(page.get_by_test_id("roster-progress")).to_have_count(2)
    expect(page.get_by_test_id("roster-progress").first).to_contain_text("0 of 3 lessons (0%)")
    fits(page, viewport)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_creator_reads_earnings_and_a_learner_is_told_what_they_are(page, course, viewport):
    creator = course.content_creator
    payouts_api.course_name_upsert(
        course_id="crs_course", title="Payments for Makers", synced_at=timezone.now()
    )
    confirmed_sale(1, creator.public_id)
    confirmed_sale(2, creator.public_id, paid_at=datetime(2025, 3, 14, tzinfo=UTC))
    page.set_viewport_size(viewport)
    log_in(page, "/learning/", "chloe")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Earnings").click()
    expect(page.get_by_role("img", name="Earnings per month in USD")).to_be_visible()
    expect(
        page.get_by_role("table", name="Earnings per month in USD, net of refunds")
    ).to_be_visible()
    fits(page, viewport)

    page.get_by_role("link", name="Statement").click()
    expect(page.locator("tr[data-id]")).to_have_count(2)
    expect(page.locator("tr[data-id]").first).to_contain_text("Payments for Makers")
    expect(page.locator("tr[data-id]").first).to_contain_text("$40.00")
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From").fill("2025-03-01")
    page.get_by_label("To").fill("2025-03-31")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tr[data-id]")).to_have_count(1)
    expect(page.locator("tr[data-id]")).to_contain_text("14 Mar 2025")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "2025-03-14,Payments for Makers" in text and "40.00" in text
    fits(page, viewport)

    UserFactory(username="lena")
    log_in(page, "/earnings/", "lena")
    expect(page.get_by_test_id("not-an-earner")).to_be_visible()
    assert "held" not in page.content().lower()
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Earnings")).to_have_count(0)
    fits(page, viewport)
