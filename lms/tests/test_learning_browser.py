"""A learner's whole course in the browser: every lesson, an assignment, a question; the
instructor grades, replies and records attendance; the learner completes and downloads a
certificate that the public verify page calls valid."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from lms.models import Enrollment, Interaction, Lesson
from lms.tests.factories import (
    CourseFactory,
    CourseInstructorFactory,
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
ESSAY = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_in(page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")


@pytest.fixture
def course_with_a_learner():
    course = CourseFactory(title="Django for Payments", slug="django-payments", passing_grade=70)
    instructor = CourseInstructorFactory(
        course=course, instructor=UserFactory(username="ivan", first_name="Ivan", password=PASSWORD)
    ).instructor
    basics, practice = ModuleFactory(course=course, title="Basics"), ModuleFactory(course=course)
    LessonFactory(module=basics, title="Welcome", position=1)
    LessonFactory(
        module=basics, title="A tour", kind=Lesson.Kind.VIDEO, video_url="https://v.example/1"
    )
    LessonFactory(module=practice, title="Exercise", kind=Lesson.Kind.ASSIGNMENT, position=1)
    LessonFactory(
        module=practice,
        title="Office hours",
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        position=2,
    )
    learner = UserFactory(
        username="lena", first_name="Lena", last_name="Learner", password=PASSWORD
    )
    enrollment = EnrollmentFactory(
        user=learner, course=course, instructor=instructor, state=Enrollment.State.APPROVED
    )
    return enrollment


def test_a_learner_completes_a_course_and_downloads_a_valid_certificate(
    page, published, course_with_a_learner, tmp_path
):
    enrollment = course_with_a_learner
    course_url = "/learning/courses/django-payments/"

    # The learner walks through every lesson.
    log_in(page, course_url, "lena")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.IN_PROGRESS
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_role("heading", name="A tour")).to_be_visible()
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_role("heading", name="Exercise")).to_be_visible()
    page.get_by_label("Answer").fill("Money is integers in minor units.")
    page.get_by_label("File").set_input_files(
        files=[{"name": "essay.pdf", "mimeType": "application/pdf", "buffer": ESSAY}]
    )
    page.get_by_role("button", name="Submit the assignment").click()
    expect(page.get_by_text("Assignment submitted.")).to_be_visible()
    page.get_by_role("link", name="Office hours →").click()
    expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)
    page.get_by_role("button", name="Check in").click()
    page.wait_for_url(f"**{course_url}")
    expect(page.get_by_test_id("progress")).to_have_text("4 of 4 lessons done")
    expect(page.get_by_text("Your assignment “Exercise” is waiting for a grade.")).to_be_visible()

    # …and asks a question.
    page.get_by_role("link", name="Discussions").first.click()
    page.get_by_label("Title").fill("Rounding question")
    page.get_by_label("Message").fill("Which rounding do we use for splits?")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("heading", name="Rounding question")).to_be_visible()

    # The instructor grades, replies and records the live session.
    log_in(page, "/teaching/", "ivan")
    page.get_by_role("link", name="Grade").click()
    page.get_by_label("Score (0-100)").fill("92")
    page.get_by_label("Feedback").fill("Clear and correct.")
    page.get_by_role("button", name="Save the grade").click()
    expect(page.get_by_text("Graded Lena Learner's submission.")).to_be_visible()
    page.get_by_role("link", name="Rounding question").click()
    page.get_by_label("Reply").fill("Largest remainder: the parts always add up.")
    page.get_by_role("button", name="Reply").click()
    expect(page.get_by_text("Largest remainder")).to_be_visible()
    page.goto("/teaching/")
    page.get_by_role("link", name="Office hours").click()
    page.get_by_label("Learner").select_option(label="Lena Learner")
    page.get_by_label("Minutes").fill("45")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Attendance saved for Lena Learner.")).to_be_visible()

    # The learner has completed and downloads the certificate.
    log_in(page, course_url, "lena")
    expect(page.get_by_text("You completed this course with a grade of 92.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert Path(pdf).read_bytes().startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Lena Learner" in text and "Django for Payments" in text

    page.get_by_role("link", name="Verification page").click()
    expect(page.get_by_test_id("verdict")).to_contain_text("This certificate is valid.")

    # Exactly the interactions that happened, each once, for this enrollment and instructor.
    interactions = published.of("instructor.interaction_recorded")
    assert sorted((i.kind, i.amount) for i in interactions) == [
        ("assignment-graded", 1),
        ("discussion-reply", 1),
        ("live-session", 45),
    ]
    assert {(i.enrollment_id, i.instructor_id) for i in interactions} == {
        (enrollment.public_id, enrollment.instructor.public_id)
    }
    assert {i.interaction_id for i in interactions} == set(
        Interaction.objects.values_list("public_id", flat=True)
    )
    [completion] = published.of("enrollment.completed")
    assert (completion.enrollment_id, completion.grade) == (enrollment.public_id, 92)
