"""``/api/v1/lms/enrollments/<id>/(progress|grades)/``, ``/submissions``, ``/certificates``."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from lms import services
from lms.models import Certificate, Enrollment, Lesson, Submission
from lms.tests.factories import LessonFactory, ModuleFactory, SubmissionFactory, teaching_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_progress_says_done_next_grade_and_what_is_missing_in_camel_case(api):
    enrollment = teaching_enrollment(lessons=2, passing_grade=60)
    first, second = Lesson.objects.filter(module__course=enrollment.course)
    services.lesson_complete(enrollment=enrollment, lesson=first, actor=enrollment.user)
    api.force_authenticate(enrollment.user)

    body = api.get(f"/api/v1/lms/enrollments/{enrollment.public_id}/progress/").json()

    assert body["enrollmentId"] == enrollment.public_id
    assert (body["lessonsTotal"], body["lessonsDone"], body["percent"]) == (2, 1, 50)
    assert body["nextLessonId"] == second.pk
    assert (body["grade"], body["passingGrade"]) == (100, 60)
    assert body["missing"] == [f"Complete the lesson “{second.title}”."]
    assert [lesson["done"] for lesson in body["lessons"]] == [True, False]


def test_grades_and_submissions_show_scores_and_feedback(api):
    submission = SubmissionFactory(enrollment=teaching_enrollment())
    enrollment = submission.enrollment
    LessonFactory(module=ModuleFactory(course=enrollment.course))
    services.submission_grade(
        submission=submission, actor=enrollment.instructor, score=77, feedback="Good."
    )
    api.force_authenticate(enrollment.user)

    grades = api.get(f"/api/v1/lms/enrollments/{enrollment.public_id}/grades/").json()
    listed = api.get("/api/v1/lms/submissions/").json()

    assert grades["gradingMethod"] == "assignment_average"
    assert grades["grade"] == 77
    assert grades["assignments"] == [
        {
            "submissionId": submission.public_id,
            "lessonId": submission.lesson_id,
            "score": 77,
            "feedback": "Good.",
            "gradedAt": grades["assignments"][0]["gradedAt"],
        }
    ]
    [row] = listed["results"]
    assert (row["id"], row["score"], row["fileUrl"]) == (submission.public_id, 77, None)


def test_certificates_list_the_learners_own_with_their_status(api):
    enrollment = teaching_enrollment(lessons=1)
    lesson = Lesson.objects.get(module__course=enrollment.course)
    services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)
    certificate = Certificate.objects.get()
    services.enrollment_revoke(
        enrollment=Enrollment.objects.get(pk=enrollment.pk), reason="refund", system="refund"
    )
    api.force_authenticate(enrollment.user)

    [row] = api.get("/api/v1/lms/certificates/").json()["results"]

    assert row["verificationCode"] == certificate.verification_code
    assert row["status"] == "revoked" and row["revokedAt"] is not None
    assert row["verifyUrl"] == f"/certificates/{certificate.verification_code}/"


@pytest.mark.parametrize("lessons", [3, 200])
def test_progress_costs_the_same_queries_for_3_or_200_lessons(
    api, django_assert_num_queries, lessons
):
    enrollment = teaching_enrollment(lessons=lessons)
    api.force_authenticate(enrollment.user)

    with django_assert_num_queries(4):  # enrollment, lessons, completions, submissions
        body = api.get(f"/api/v1/lms/enrollments/{enrollment.public_id}/progress/").json()

    assert body["lessonsTotal"] == lessons


@pytest.mark.parametrize("rows", [1, 30])
def test_the_instructors_submission_list_costs_the_same_queries_for_1_or_30(
    api, django_assert_num_queries, rows
):
    first = teaching_enrollment()
    for _ in range(rows):
        learner = teaching_enrollment(course=first.course)
        learner.instructor = first.instructor
        learner.save(update_fields=["instructor"])
        SubmissionFactory(enrollment=learner)
    api.force_authenticate(first.instructor)

    with django_assert_num_queries(1):  # the page: one that is not full tells the count
        body = api.get("/api/v1/lms/submissions/").json()

    assert body["count"] == rows


def test_a_learner_submits_a_file_and_the_instructor_grades_through_the_api(api, published):
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course), kind=Lesson.Kind.ASSIGNMENT
    )
    api.force_authenticate(enrollment.user)

    created = api.post(
        "/api/v1/lms/submissions/create/",
        {
            "enrollmentId": enrollment.public_id,
            "lessonId": lesson.pk,
            "file": SimpleUploadedFile("answer.md", b"# My answer"),
        },
        format="multipart",
    )
    assert created.status_code == 201
    submission_id = created.json()["id"]
    assert created.json()["fileName"] == "answer.md"

    api.force_authenticate(enrollment.instructor)
    graded = api.post(
        f"/api/v1/lms/submissions/{submission_id}/grade/",
        {"score": 81, "feedback": "Solid."},
        format="json",
    )

    assert graded.status_code == 200
    assert (graded.json()["score"], graded.json()["feedback"]) == (81, "Solid.")
    assert [i.kind for i in published.of("instructor.interaction_recorded")] == [
        "assignment-graded"
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 100.5}, "score"),
        ({"score": 101}, "score"),
        ({"feedback": "no score"}, "score"),
    ],
)
def test_a_bad_grade_names_the_field_and_changes_nothing(api, body, field):
    submission = SubmissionFactory(enrollment=teaching_enrollment())
    api.force_authenticate(submission.enrollment.instructor)

    response = api.post(
        f"/api/v1/lms/submissions/{submission.public_id}/grade/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert Submission.objects.get().score is None


def test_a_refused_file_through_the_api_names_the_file(api):
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course), kind=Lesson.Kind.ASSIGNMENT
    )
    api.force_authenticate(enrollment.user)

    response = api.post(
        "/api/v1/lms/submissions/create/",
        {
            "enrollmentId": enrollment.public_id,
            "lessonId": lesson.pk,
            "file": SimpleUploadedFile("a.pdf", b"not a pdf"),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "file"
    assert not Submission.objects.exists()
