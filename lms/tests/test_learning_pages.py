"""The course player, lessons, discussions, certificates and the instructor's pages."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from lms import services
from lms.models import (
    Attendance,
    Certificate,
    Enrollment,
    EnrollmentTransition,
    Lesson,
    Submission,
)
from lms.tests.factories import (
    LessonFactory,
    ModuleFactory,
    SubmissionFactory,
    ThreadFactory,
    teaching_enrollment,
)

pytestmark = pytest.mark.django_db


def completed(enrollment: Enrollment) -> Certificate:
    for lesson in Lesson.objects.filter(module__course=enrollment.course):
        services.lesson_complete(
            enrollment=Enrollment.objects.get(pk=enrollment.pk),
            lesson=lesson,
            actor=enrollment.user,
        )
    return Certificate.objects.get(enrollment=enrollment)


def test_the_player_shows_done_next_progress_and_what_is_missing(client):
    enrollment = teaching_enrollment(lessons=3)
    first, second, third = Lesson.objects.filter(module__course=enrollment.course)
    services.lesson_complete(enrollment=enrollment, lesson=first, actor=enrollment.user)
    client.force_login(enrollment.user)

    page = client.get(f"/learning/courses/{enrollment.course.slug}/").content.decode()

    assert "1 of 3 lessons done" in page
    assert 'aria-valuenow="33"' in page
    assert f"Next: {second.title}" in page
    assert f"Complete the lesson “{third.title}”." in page


def test_opening_a_lesson_changes_nothing_the_start_button_starts_the_course(client):
    enrollment = teaching_enrollment(lessons=2, state=Enrollment.State.APPROVED)
    _first, second = Lesson.objects.filter(module__course=enrollment.course)
    client.force_login(enrollment.user)
    slug = enrollment.course.slug

    page = client.get(f"/learning/courses/{slug}/lessons/{second.pk}/")

    assert page.status_code == 200
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.APPROVED
    assert not EnrollmentTransition.objects.filter(enrollment=enrollment).exists()
    assert f'action="/learning/courses/{slug}/start/"' in page.content.decode()

    response = client.post(f"/learning/courses/{slug}/start/", {"lesson": second.pk})

    assert response.url == f"/learning/courses/{slug}/lessons/{second.pk}/"
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.IN_PROGRESS
    [start] = EnrollmentTransition.objects.filter(enrollment=enrollment)
    assert (start.name, start.actor) == ("start", enrollment.user)


def test_the_course_pages_start_button_leads_to_the_first_lesson(client):
    enrollment = teaching_enrollment(lessons=2, state=Enrollment.State.APPROVED)
    first, _second = Lesson.objects.filter(module__course=enrollment.course)
    client.force_login(enrollment.user)
    slug = enrollment.course.slug

    page = client.get(f"/learning/courses/{slug}/").content.decode()
    assert f'action="/learning/courses/{slug}/start/"' in page
    response = client.post(f"/learning/courses/{slug}/start/")

    assert response.url == f"/learning/courses/{slug}/lessons/{first.pk}/"
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.IN_PROGRESS


def test_the_first_lesson_completion_starts_the_course_and_moves_to_the_next(client):
    enrollment = teaching_enrollment(lessons=2, state=Enrollment.State.APPROVED)
    first, second = Lesson.objects.filter(module__course=enrollment.course)
    client.force_login(enrollment.user)
    slug = enrollment.course.slug

    response = client.post(f"/learning/courses/{slug}/lessons/{first.pk}/complete/")

    assert response.url == f"/learning/courses/{slug}/lessons/{second.pk}/"
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.IN_PROGRESS


def test_a_refused_file_is_shown_on_the_lesson_page_and_nothing_is_kept(client):
    enrollment = teaching_enrollment()
    lesson = LessonFactory(module=ModuleFactory(course=enrollment.course), kind="assignment")
    client.force_login(enrollment.user)

    response = client.post(
        f"/learning/courses/{enrollment.course.slug}/lessons/{lesson.pk}/submit/",
        {"file": SimpleUploadedFile("virus.exe", b"MZ")},
    )

    assert response.status_code == 400
    assert "files of type &#x27;.exe&#x27; are not accepted" in response.content.decode()
    assert not Submission.objects.exists()


def curriculum(lessons: int) -> Enrollment:
    enrollment = teaching_enrollment(lessons=lessons)
    module = ModuleFactory(course=enrollment.course)
    assignment = LessonFactory(module=module, kind=Lesson.Kind.ASSIGNMENT)
    LessonFactory(
        module=module, kind=Lesson.Kind.LIVE_SESSION, starts_at=timezone.now() + dt.timedelta(1)
    )
    SubmissionFactory(enrollment=enrollment, lesson=assignment)
    for lesson in Lesson.objects.filter(module__course=enrollment.course, kind="text")[:2]:
        services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)
    ThreadFactory(course=enrollment.course, started_by=enrollment.user)
    return enrollment


@pytest.mark.parametrize("lessons", [3, 200])
def test_learner_pages_cost_the_same_queries_for_3_or_200_lessons(
    client, django_assert_num_queries, lessons
):
    enrollment = curriculum(lessons)
    slug = enrollment.course.slug
    last = Lesson.objects.filter(module__course=enrollment.course).last()
    client.force_login(enrollment.user)

    # session, user, enrollment + certificate, lessons, completions, submissions
    with django_assert_num_queries(6):
        page = client.get(f"/learning/courses/{slug}/")
    assert page.content.decode().count('class="lesson"') == lessons + 2
    # …, the same, where the learner left off (one UPDATE), this lesson's resources,
    # submission and threads
    with django_assert_num_queries(10):
        client.get(f"/learning/courses/{slug}/lessons/{last.pk}/")
    # session, user, course, threads, lessons for the form
    with django_assert_num_queries(5):
        client.get(f"/learning/courses/{slug}/discussions/")


@pytest.mark.parametrize("lessons", [3, 200])
def test_the_instructors_pages_cost_the_same_queries_for_3_or_200_lessons(
    client, django_assert_num_queries, lessons
):
    enrollment = curriculum(lessons)
    client.force_login(enrollment.instructor)

    # session, user, learners, submissions, threads, live sessions
    with django_assert_num_queries(6):
        page = client.get("/teaching/").content.decode()

    assert f"2 / {lessons + 2}" in page
    assert Submission.objects.get().public_id in page


def test_the_certificate_pdf_is_a_real_pdf_with_the_learner_and_course(client):
    enrollment = teaching_enrollment(lessons=1, title="Django for Payments")
    enrollment.user.first_name, enrollment.user.last_name = "Lena", "Learner"
    enrollment.user.save()
    certificate = completed(enrollment)
    client.force_login(enrollment.user)

    response = client.get(f"/learning/certificates/{certificate.verification_code}/pdf/")

    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Lena Learner" in text
    assert "Django for Payments" in text
    assert certificate.verification_code in text
    assert f"/certificates/{certificate.verification_code}/" in text


def test_the_public_verify_page_says_valid_then_revoked_with_the_date(client):
    enrollment = teaching_enrollment(lessons=1)
    certificate = completed(enrollment)
    url = f"/certificates/{certificate.verification_code}/"

    assert "This certificate is valid." in client.get(url).content.decode()
    services.enrollment_revoke(
        enrollment=Enrollment.objects.get(pk=enrollment.pk), reason="refund", system="refund"
    )
    revoked_on = Certificate.objects.get(pk=certificate.pk).revoked_at
    page = client.get(url).content.decode()

    assert f"This certificate was revoked on {revoked_on:%-d %B %Y}." in page
    assert client.get("/certificates/NOPE-NOPE-NOPE/").status_code == 404


def revoked(enrollment: Enrollment) -> Certificate:
    certificate = completed(enrollment)
    services.enrollment_revoke(
        enrollment=Enrollment.objects.get(pk=enrollment.pk), reason="refund", system="refund"
    )
    return Certificate.objects.get(pk=certificate.pk)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_revoked_certificates_pdf_is_marked_revoked_across_the_page_with_the_date(client):
    enrollment = teaching_enrollment(lessons=1, title="Django for Payments")
    certificate = revoked(enrollment)
    client.force_login(enrollment.user)

    response = client.get(f"/learning/certificates/{certificate.verification_code}/pdf/")

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        f'filename="certificate-{certificate.verification_code}-revoked.pdf"'
    )
    text = pdf_text(response.content)
    assert "REVOKED" in text
    assert f"Revoked on {certificate.revoked_at:%-d %B %Y}" in text
    assert "Django for Payments" in text


def test_a_valid_certificates_pdf_carries_no_revoked_mark(client):
    enrollment = teaching_enrollment(lessons=1)
    certificate = completed(enrollment)
    client.force_login(enrollment.user)

    text = pdf_text(
        client.get(f"/learning/certificates/{certificate.verification_code}/pdf/").content
    )

    assert "REVOKED" not in text.upper()


def test_my_learning_says_a_certificate_is_revoked_with_the_date(client):
    enrollment = teaching_enrollment(lessons=1)
    certificate = revoked(enrollment)
    client.force_login(enrollment.user)

    page = client.get("/learning/").content.decode()

    assert f"Certificate revoked on {certificate.revoked_at:%-d %b %Y}" in page
    assert f"/certificates/{certificate.verification_code}/" in page
    assert f"/learning/certificates/{certificate.verification_code}/pdf/" in page


@pytest.mark.parametrize(
    ("starts_in", "shown"),
    [
        (dt.timedelta(days=1), "It counts once you attend"),
        (-dt.timedelta(minutes=10), "Check in"),
        (-dt.timedelta(days=1), "This session has ended"),
    ],
)
def test_a_live_session_lesson_offers_a_check_in_only_while_it_is_on(client, starts_in, shown):
    enrollment = teaching_enrollment(lessons=1)
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course),
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() + starts_in,
        duration_minutes=60,
    )
    client.force_login(enrollment.user)
    url = f"/learning/courses/{enrollment.course.slug}/lessons/{lesson.pk}/"

    page = client.get(url).content.decode()

    assert shown in page
    assert "Mark as complete" not in page
    assert ("/check-in/" in page) == (shown == "Check in")
    client.post(f"{url}complete/")
    client.post(f"{url}check-in/")
    assert enrollment.lesson_completions.filter(lesson=lesson).exists() == (shown == "Check in")


def test_the_discussions_page_leads_each_reader_back_to_a_page_they_can_open(client):
    enrollment = teaching_enrollment(lessons=1)
    url = f"/learning/courses/{enrollment.course.slug}/discussions/"

    client.force_login(enrollment.user)
    learners_page = client.get(url).content.decode()
    client.force_login(enrollment.instructor)
    instructors_page = client.get(url).content.decode()

    assert f'href="/learning/courses/{enrollment.course.slug}/"' in learners_page
    assert f'href="/learning/courses/{enrollment.course.slug}/"' not in instructors_page
    assert 'href="/teaching/"' in instructors_page


def test_the_instructor_grades_from_the_queue(client, published):
    submission = SubmissionFactory(enrollment=teaching_enrollment())
    instructor = submission.enrollment.instructor
    client.force_login(instructor)

    bad = client.post(f"/teaching/submissions/{submission.public_id}/", {"score": 120})
    assert bad.status_code == 400
    response = client.post(
        f"/teaching/submissions/{submission.public_id}/", {"score": 88, "feedback": "Nice."}
    )

    assert response.status_code == 302
    assert Submission.objects.get().score == 88
    assert [i.kind for i in published.of("instructor.interaction_recorded")] == [
        "assignment-graded"
    ]


def test_a_thread_page_posts_a_reply_and_the_desk_lists_waiting_threads(client, published):
    enrollment = teaching_enrollment()
    thread = services.thread_start(
        course=enrollment.course, actor=enrollment.user, title="Stuck here", body="Help?"
    )
    client.force_login(enrollment.instructor)
    assert "Stuck here" in client.get("/teaching/").content.decode()

    client.post(f"/learning/threads/{thread.public_id}/", {"body": "Try this."})

    desk = client.get("/teaching/").content.decode()
    assert "Stuck here" not in desk
    assert "replied, " in desk  # the learner's last interaction
    assert len(published.of("instructor.interaction_recorded")) == 1


def test_the_live_session_page_imports_a_csv_and_reports_row_errors(client):
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course),
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now(),
    )
    client.force_login(enrollment.instructor)
    url = f"/teaching/live-sessions/{lesson.pk}/"

    bad = client.post(url, {"file": SimpleUploadedFile("a.csv", b"learner,minutes\nghost,5\n")})
    assert bad.status_code == 400
    assert "row 2, learner: &#x27;ghost&#x27; is not in this course" in bad.content.decode()
    good = client.post(
        url,
        {
            "file": SimpleUploadedFile(
                "a.csv", f"learner,minutes\n{enrollment.user.email},50\n".encode()
            )
        },
    )

    assert good.status_code == 302
    assert Attendance.objects.get().minutes == 50


def test_the_live_session_page_offers_no_attendance_form_before_the_session(client):
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course),
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    client.force_login(enrollment.instructor)
    url = f"/teaching/live-sessions/{lesson.pk}/"

    page = client.get(url).content.decode()
    refused = client.post(url, {"enrollment": enrollment.pk, "minutes": 30})

    assert "The session has not started yet" in page and "<form" not in page.split("<main")[1]
    assert refused.status_code == 400
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("rows", [1, 30])
def test_thread_and_live_session_pages_cost_the_same_queries_for_1_or_30_rows(
    client, django_assert_num_queries, rows
):
    enrollment = teaching_enrollment()
    instructor = enrollment.instructor
    thread = services.thread_start(
        course=enrollment.course, actor=enrollment.user, title="Q", body="First"
    )
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course),
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now(),
    )
    for n in range(rows):
        learner = teaching_enrollment(course=enrollment.course)
        services.thread_reply(thread=thread, actor=learner.user, body=f"Me too {n}")
        services.attendance_record(lesson=lesson, enrollment=learner, minutes=10, actor=instructor)
    client.force_login(instructor)

    # session, user, thread, teaches?, learners to address, posts
    with django_assert_num_queries(6):
        page = client.get(f"/learning/threads/{thread.public_id}/").content.decode()
    assert page.count('class="card post"') == rows + 1
    # session, user, session lesson, learners for the form, attendance
    with django_assert_num_queries(5):
        page = client.get(f"/teaching/live-sessions/{lesson.pk}/").content.decode()
    assert page.count("<td>10</td>") == rows
