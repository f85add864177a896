"""``/api/v1/lms/courses/`` and ``/api/v1/lms/enrollments/``."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from lms.models import Course, Enrollment
from lms.rest_api.enrollments import LmsEnrollmentSerializer
from lms.tests.factories import CourseFactory, EnrollmentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_a_learner_lists_only_their_own_enrollments_in_camel_case(api):
    mine = EnrollmentFactory(state=Enrollment.State.APPROVED)
    EnrollmentFactory()
    api.force_authenticate(mine.user)

    body = api.get("/api/v1/lms/enrollments/").json()

    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == mine.public_id
    assert row["userId"] == mine.user.public_id
    assert row["courseId"] == mine.course.public_id
    assert row["status"] == "approved"
    assert row["orderItemId"] == mine.external_order_item_id
    assert row["instructorId"] is None
    assert row["nextStep"].startswith("Approved")


def test_another_learners_enrollment_is_not_found(api):
    theirs = EnrollmentFactory()
    api.force_authenticate(UserFactory())

    response = api.get(f"/api/v1/lms/enrollments/{theirs.public_id}/")

    assert response.status_code == 404
    assert response.json()["error"]["field"] == "enrollmentId"


def test_an_instructor_reads_the_enrollments_they_teach_and_no_others(api):
    taught = EnrollmentFactory(state=Enrollment.State.APPROVED, instructor=UserFactory())
    EnrollmentFactory()
    api.force_authenticate(taught.instructor)

    body = api.get("/api/v1/lms/enrollments/").json()
    detail = api.get(f"/api/v1/lms/enrollments/{taught.public_id}/")

    assert [row["id"] for row in body["results"]] == [taught.public_id]
    assert detail.status_code == 200 and detail.json()["instructorId"] == (
        taught.instructor.public_id
    )


def test_staff_see_every_enrollment_and_can_filter_by_status(api):
    EnrollmentFactory.create_batch(2)
    approved = EnrollmentFactory(state=Enrollment.State.APPROVED)
    api.force_authenticate(StaffFactory())

    assert api.get("/api/v1/lms/enrollments/").json()["count"] == 3
    filtered = api.get("/api/v1/lms/enrollments/", {"status": "approved"}).json()
    assert [row["id"] for row in filtered["results"]] == [approved.public_id]
    detail = api.get(f"/api/v1/lms/enrollments/{approved.public_id}/")
    assert detail.status_code == 200


STARTED = datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=UTC)


@pytest.mark.parametrize("state", Enrollment.State.values)
@pytest.mark.parametrize(
    "fields",
    [
        {},  # no instructor, no dates beyond the request, no grade
        {"external_order_id": None, "external_order_item_id": None, "source": "admin"},
        {
            "approved_at": STARTED,
            "approved_by": "usr_staff",
            "started_at": STARTED + timedelta(days=1),
            "completed_at": STARTED + timedelta(days=30, microseconds=1),
            "grade": 0,
        },
        {"grade": 100, "requested_at": datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)},
    ],
)
@pytest.mark.parametrize("taught", [False, True])
def test_the_detail_answers_byte_for_byte_what_the_serializer_shows(api, state, fields, taught):
    enrollment = EnrollmentFactory(
        state=state, instructor=UserFactory() if taught else None, **fields
    )
    api.force_authenticate(enrollment.user)

    response = api.get(f"/api/v1/lms/enrollments/{enrollment.public_id}/")

    shown = LmsEnrollmentSerializer(Enrollment.objects.get(pk=enrollment.pk)).data
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(shown)


def test_the_detail_takes_one_query_and_is_found_by_its_readers_only(
    api, django_assert_num_queries
):
    enrollment = EnrollmentFactory(instructor=UserFactory())
    for reader in (enrollment.user, enrollment.instructor):
        api.force_authenticate(reader)
        with django_assert_num_queries(1):
            assert api.get(f"/api/v1/lms/enrollments/{enrollment.public_id}/").status_code == 200
    path = f"/api/v1/lms/enrollments/{enrollment.public_id}/"
    api.force_authenticate(StaffFactory())  # with the view permission: everyone's
    assert api.get(path).status_code == 200
    api.force_authenticate(StaffFactory(permissions=[]))  # without: not theirs, so not found
    assert api.get(path).status_code == 404
    api.force_authenticate(UserFactory())
    assert api.get(path).status_code == 404


def test_an_unknown_status_filter_names_the_field(api):
    api.force_authenticate(UserFactory())

    response = api.get("/api/v1/lms/enrollments/", {"status": "finished"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "status"


def test_anonymous_callers_are_refused(api):
    assert api.get("/api/v1/lms/enrollments/").status_code == 401


def test_learners_see_published_courses_with_the_catalogue_fields(api):
    course = CourseFactory()
    CourseFactory(status=Course.Status.DRAFT)
    api.force_authenticate(UserFactory())

    body = api.get("/api/v1/lms/courses/").json()
    detail = api.get(f"/api/v1/lms/courses/{course.public_id}/").json()

    assert [row["id"] for row in body["results"]] == [course.public_id]
    assert detail["contentCreatorId"] == course.content_creator.public_id
    assert detail["requiresApproval"] is True
    assert detail["thumbnail"] == course.thumbnail


def test_a_draft_course_is_not_found_by_learners(api):
    draft = CourseFactory(status=Course.Status.DRAFT)
    api.force_authenticate(UserFactory())

    assert api.get(f"/api/v1/lms/courses/{draft.public_id}/").status_code == 404


@pytest.mark.parametrize("rows", [1, 30])
def test_the_lists_cost_the_same_queries_whatever_their_length(
    api, django_assert_num_queries, rows
):
    learner = UserFactory()
    for _ in range(rows):
        EnrollmentFactory(user=learner, instructor=UserFactory())
    api.force_authenticate(learner)

    # The page alone: one that is not full tells the count without a COUNT query.
    with django_assert_num_queries(1):
        enrollments = api.get("/api/v1/lms/enrollments/").json()
    with django_assert_num_queries(1):
        courses = api.get("/api/v1/lms/courses/").json()

    assert enrollments["count"] == rows
    assert courses["count"] == rows


def test_the_resources_are_in_the_openapi_schema(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path in [
        "/api/v1/lms/courses/",
        "/api/v1/lms/courses/{course_id}/",
        "/api/v1/lms/enrollments/",
        "/api/v1/lms/enrollments/{enrollment_id}/",
    ]:
        assert path in schema["paths"]
    assert "userId" in schema["components"]["schemas"]["LmsEnrollment"]["properties"]
