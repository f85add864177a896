"""A learner never reads another learner's submission, grade or certificate PDF, through any
page or API route; instructors read only their own learners'."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from lms import services
from lms.models import Certificate, Lesson
from lms.tests.factories import (
    LessonFactory,
    ModuleFactory,
    StaffFactory,
    UserFactory,
    teaching_enrollment,
)

pytestmark = pytest.mark.django_db
SECRET_ANSWER = "my secret answer 42"


@pytest.fixture
def work():
    """Learner A's graded, completed work, and a classmate B taught by someone else."""
    a = teaching_enrollment()
    course = a.course
    assignment = LessonFactory(module=ModuleFactory(course=course), kind=Lesson.Kind.ASSIGNMENT)
    submission = services.submission_submit(
        enrollment=a,
        lesson=assignment,
        actor=a.user,
        text=SECRET_ANSWER,
        upload=SimpleUploadedFile("answer.txt", b"secret file"),
    )
    services.submission_grade(submission=submission, actor=a.instructor, score=93)
    certificate = Certificate.objects.get(enrollment=a)
    b = teaching_enrollment(course=course)
    return a, b, assignment, submission, certificate


def page_routes(a, assignment, submission, certificate):
    slug = a.course.slug
    return [
        ("get", f"/learning/submissions/{submission.public_id}/file/"),
        ("get", f"/learning/certificates/{certificate.verification_code}/pdf/"),
        ("get", f"/teaching/submissions/{submission.public_id}/"),
        ("post", f"/teaching/submissions/{submission.public_id}/"),
        ("post", f"/teaching/enrollments/{a.public_id}/final-grade/"),
        ("get", f"/learning/courses/{slug}/lessons/{assignment.pk}/"),
    ]


def api_routes(a, submission, certificate):
    return [
        f"/api/v1/lms/enrollments/{a.public_id}/progress/",
        f"/api/v1/lms/enrollments/{a.public_id}/grades/",
        f"/api/v1/lms/submissions/{submission.public_id}/",
        f"/api/v1/lms/certificates/{certificate.verification_code}/",
    ]


@pytest.mark.parametrize("who", ["classmate", "classmates_instructor", "stranger"])
def test_no_page_shows_another_learners_submission_grade_or_certificate(client, work, who):
    a, b, assignment, submission, certificate = work
    reader = {
        "classmate": b.user,
        "classmates_instructor": b.instructor,
        "stranger": UserFactory(),
    }[who]
    client.force_login(reader)

    for method, url in page_routes(a, assignment, submission, certificate):
        response = getattr(client, method)(url, {"score": 0, "grade": 0})
        body = response.content.decode() if not response.streaming else ""
        if who == "classmate" and url.endswith(f"/lessons/{assignment.pk}/"):
            # B opens the same lesson, and sees only their own (empty) submission.
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, url
        assert SECRET_ANSWER not in body and "93/100" not in body, url

    assert Certificate.objects.get(pk=certificate.pk).grade == 93
    assert a.submissions.get().score == 93


@pytest.mark.parametrize("who", ["classmate", "classmates_instructor", "stranger"])
def test_no_api_route_shows_another_learners_submission_grade_or_certificate(work, who):
    a, b, _, submission, certificate = work
    reader = {
        "classmate": b.user,
        "classmates_instructor": b.instructor,
        "stranger": UserFactory(),
    }[who]
    api = APIClient()
    api.force_authenticate(reader)

    for url in api_routes(a, submission, certificate):
        assert api.get(url).status_code == 404, url
    assert api.get("/api/v1/lms/submissions/").json()["count"] == 0
    assert api.get("/api/v1/lms/certificates/").json()["count"] == 0
    grade = api.post(
        f"/api/v1/lms/submissions/{submission.public_id}/grade/", {"score": 0}, format="json"
    )
    assert grade.status_code == 404
    submit = api.post(
        "/api/v1/lms/submissions/create/",
        {"enrollmentId": a.public_id, "lessonId": submission.lesson_id, "text": "mine now"},
        format="json",
    )
    assert submit.status_code == 404
    assert a.submissions.get().score == 93


def test_anonymous_visitors_are_sent_to_log_in_or_refused(client, work):
    a, _, assignment, submission, certificate = work
    for method, url in page_routes(a, assignment, submission, certificate):
        assert getattr(client, method)(url).status_code == 302, url
    for url in api_routes(a, submission, certificate):
        assert APIClient().get(url).status_code in {401, 403}, url


def test_the_learner_reads_their_own_work_through_every_route(client, work):
    a, _, assignment, submission, certificate = work
    client.force_login(a.user)
    api = APIClient()
    api.force_authenticate(a.user)

    file = client.get(f"/learning/submissions/{submission.public_id}/file/")
    assert b"".join(file.streaming_content) == b"secret file"
    assert file["Content-Disposition"].startswith("attachment")
    assert file["X-Content-Type-Options"] == "nosniff"
    pdf = client.get(f"/learning/certificates/{certificate.verification_code}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    lesson = client.get(f"/learning/courses/{a.course.slug}/lessons/{assignment.pk}/")
    assert "93/100" in lesson.content.decode()
    for url in api_routes(a, submission, certificate):
        assert api.get(url).status_code == 200, url
    assert api.get(f"/api/v1/lms/enrollments/{a.public_id}/grades/").json()["grade"] == 93
    # Grading pages are the instructor's, not the learner's.
    assert client.get(f"/teaching/submissions/{submission.public_id}/").status_code == 404


def test_the_learners_instructor_reads_their_work_but_not_the_certificate_pdf(client, work):
    a, _, _, submission, certificate = work
    client.force_login(a.instructor)
    api = APIClient()
    api.force_authenticate(a.instructor)

    assert client.get(f"/learning/submissions/{submission.public_id}/file/").status_code == 200
    assert client.get(f"/teaching/submissions/{submission.public_id}/").status_code == 200
    for url in api_routes(a, submission, certificate):
        assert api.get(url).status_code == 200, url
    pdf = client.get(f"/learning/certificates/{certificate.verification_code}/pdf/")
    assert pdf.status_code == 404


def test_staff_with_the_view_permission_read_everything(client, work):
    _, _, _, submission, certificate = work
    staff = StaffFactory()
    client.force_login(staff)

    assert client.get(f"/learning/submissions/{submission.public_id}/file/").status_code == 200
    pdf = client.get(f"/learning/certificates/{certificate.verification_code}/pdf/")
    assert pdf.status_code == 200


@pytest.mark.parametrize("who", ["classmate", "classmates_instructor"])
def test_every_lms_route_hides_another_learners_work(client, work, who):
    """Walks every named LMS route (pages and API) with learner A's ids, as classmate B or as
    B's instructor, who also teaches the course but not A."""
    import json
    import re

    from django.urls import reverse

    from lms import urls

    a, b, assignment, submission, certificate = work
    thread = services.thread_start(course=a.course, actor=a.user, title="Mine", body="Question")
    ids = {
        "slug": a.course.slug,
        "lesson_id": assignment.pk,
        "submission_id": submission.public_id,
        "code": certificate.verification_code,
        "enrollment_id": a.public_id,
        "course_id": a.course.public_id,
        "thread_id": thread.public_id,
        "resource_id": "res_none",
        "user_id": a.user.public_id,
        "uidb64": "x",
        "token": "y",
    }
    leaks = re.compile(
        rf"{SECRET_ANSWER}|secret file|93/100|grade of 93|\"score\": ?93|\"grade\": ?93|%PDF"
    )
    client.force_login(b.user if who == "classmate" else b.instructor)

    checked = []
    for pattern in urls.urlpatterns:
        kwargs = {name: ids[name] for name in pattern.pattern.converters}
        url = reverse(f"lms:{pattern.name}", kwargs=kwargs)
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        if response.get("Content-Type", "").startswith("application/json"):
            text = json.dumps(response.json())
        assert not leaks.search(text), url
        checked.append(url)

    assert len(checked) == len(urls.urlpatterns) > 20
