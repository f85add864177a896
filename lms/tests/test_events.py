"""Each fact is published once, inside its transaction, with the fields its connector needs."""

import pytest

from cadence.kernel.events import to_json
from lms import api, events, services
from lms.errors import LmsError
from lms.models import Course, Enrollment, User
from lms.tests.factories import (
    CourseFactory,
    CourseInstructorFactory,
    EnrollmentFactory,
    StaffFactory,
    SubmissionFactory,
    teaching_enrollment,
)

pytestmark = pytest.mark.django_db


def test_staff_approval_publishes_connector_2_fields_once(published):
    staff = StaffFactory()
    enrollment = EnrollmentFactory(external_order_id="ord_1", external_order_item_id="oi_1")

    services.enrollment_approve(enrollment=enrollment, actor=staff)

    # The approval, then who teaches the learner from now on (nobody: the course has no one).
    assert [event_type for event_type, _ in published] == [
        "cadence.lms.enrollment.approved.v1",
        "cadence.lms.enrollment.instructor_assigned.v1",
    ]
    [approved] = published.of("enrollment.approved")
    assert approved.enrollment_id == enrollment.public_id
    assert (approved.order_id, approved.order_item_id) == ("ord_1", "oi_1")
    assert approved.status == "approved"
    assert approved.approved_by == staff.public_id
    assert approved.approved_at == Enrollment.objects.get().approved_at


@pytest.mark.parametrize("how", ["opened", "completed directly"])
def test_starting_a_course_publishes_connector_2_fields_once(published, how):
    enrollment = EnrollmentFactory(
        state=Enrollment.State.APPROVED, external_order_id="ord_1", external_order_item_id="oi_1"
    )

    if how == "opened":
        services.enrollment_start(enrollment=enrollment, actor=enrollment.user)
    else:
        services.enrollment_complete(enrollment=enrollment, grade=90, actor=StaffFactory())

    [started] = published.of("enrollment.started")
    assert (started.enrollment_id, started.status) == (enrollment.public_id, "in_progress")
    assert (started.order_id, started.order_item_id) == ("ord_1", "oi_1")
    assert started.started_at == Enrollment.objects.get().started_at


def test_rejection_publishes_who_when_and_why_once(published):
    staff = StaffFactory()
    enrollment = EnrollmentFactory()

    services.enrollment_reject(enrollment=enrollment, actor=staff, reason="outside the programme")

    [rejected] = published.of("enrollment.rejected")
    assert len(published) == 1
    assert (rejected.status, rejected.rejected_by) == ("rejected", staff.public_id)
    assert rejected.reason == "outside the programme"


def test_completion_publishes_connector_3_fields_once(published):
    assignment = CourseInstructorFactory()
    enrollment = EnrollmentFactory(
        course=assignment.course,
        instructor=assignment.instructor,
        state=Enrollment.State.IN_PROGRESS,
    )

    status = api.enrollment_complete(
        enrollment_id=enrollment.public_id, grade=92, system="learning-progress"
    )
    again = api.enrollment_complete(
        enrollment_id=enrollment.public_id, grade=92, system="learning-progress"
    )

    assert (status.changed, again.changed) == (True, False)
    [completed] = published.of("enrollment.completed")
    assert len(published) == 1
    assert completed.user_id == enrollment.user.public_id
    assert completed.course_id == enrollment.course.public_id
    assert completed.instructor_id == assignment.instructor.public_id
    assert completed.content_creator_id == enrollment.course.content_creator.public_id
    assert completed.grade == 92
    assert completed.order_id == enrollment.external_order_id
    assert completed.order_item_id == enrollment.external_order_item_id
    assert completed.completed_at is not None


@pytest.mark.parametrize(
    ("state", "fact", "final"),
    [
        (Enrollment.State.PENDING, "enrollment.cancelled", "cancelled"),
        (Enrollment.State.APPROVED, "enrollment.cancelled", "cancelled"),
        (Enrollment.State.IN_PROGRESS, "enrollment.cancelled", "cancelled"),
        (Enrollment.State.COMPLETED, "enrollment.revoked", "revoked"),
    ],
)
def test_a_refund_cancels_or_revokes_once_however_often_it_arrives(state, fact, final, published):
    enrollment = EnrollmentFactory(state=state)
    keys = {
        "order_id": enrollment.external_order_id,
        "order_item_id": enrollment.external_order_item_id,
    }

    first = api.enrollment_cancel_for_refund(**keys, reason="refunded at the learner's request")
    second = api.enrollment_cancel_for_refund(**keys, reason="refunded at the learner's request")

    assert (first.status, first.changed) == (final, True)
    assert (second.status, second.changed) == (final, False)
    [ended] = published.of(fact)
    assert len(published) == 1
    assert (ended.previous_status, ended.status, ended.ended_by) == (state, final, "refund")
    assert Enrollment.objects.get().state == final


def test_a_refund_of_a_rejected_enrollment_changes_nothing(published):
    enrollment = EnrollmentFactory(state=Enrollment.State.REJECTED)

    status = api.enrollment_cancel_for_refund(
        order_id=enrollment.external_order_id,
        order_item_id=enrollment.external_order_item_id,
        reason="refund",
    )

    assert (status.status, status.changed) == ("rejected", False)
    assert published == []


def test_a_refund_for_an_unknown_order_item_names_it():
    with pytest.raises(LmsError) as unknown:
        api.enrollment_cancel_for_refund(order_id="ord_x", order_item_id="oi_x", reason="r")

    assert unknown.value.field == "orderItemId"
    assert unknown.value.status_code == 404


def test_publishing_and_archiving_a_course_publish_the_catalogue_fields(published):
    course = CourseFactory(status=Course.Status.DRAFT)

    services.course_publish(course=course)
    services.course_archive(course=course)

    [event_published] = published.of("course.published")
    [event_updated] = published.of("course.updated")
    assert event_published.id == course.public_id
    assert event_published.title == course.title
    assert event_published.description == course.description
    assert event_published.content_creator_id == course.content_creator.public_id
    assert event_published.thumbnail == course.thumbnail
    assert (event_published.status, event_updated.status) == ("published", "archived")


def test_editing_a_published_course_announces_only_catalogue_changes(published):
    course = CourseFactory()

    course.passing_grade = 80
    services.course_details_update(course=course, changed_fields={"passing_grade"})
    course.title = "A better title"
    services.course_details_update(course=course, changed_fields={"title"})

    [updated] = published.of("course.updated")
    assert len(published) == 1
    assert updated.title == "A better title"


def test_registration_and_profile_edits_publish_the_commerce_user_fields(published):
    user = services.user_register(
        username="lena", email="lena@example.com", password="a long passphrase 42",
        first_name="Lena", last_name="Learner",
    )  # fmt: skip
    services.user_profile_update(
        user=user, email="lena@example.com", first_name="Lena", last_name="Learner"
    )
    services.user_profile_update(
        user=user, email="lena@example.org", first_name="Lena", last_name="Learner"
    )

    [created] = published.of("user.created")
    [updated] = published.of("user.updated")
    assert (created.id, created.email, created.name) == (
        user.public_id,
        "lena@example.com",
        "Lena Learner",
    )
    assert updated.email == "lena@example.org"


def test_a_weak_password_is_refused_by_the_validators(published):
    with pytest.raises(LmsError) as weak:
        services.user_register(username="x", email="", password="123")

    assert weak.value.field == "password"
    assert not User.objects.filter(username="x").exists()
    assert published == []


def test_completing_an_unknown_enrollment_names_it(published):
    with pytest.raises(LmsError) as unknown:
        api.enrollment_complete(enrollment_id="enr_nope", grade=90, system="learning-progress")

    assert (unknown.value.field, unknown.value.status_code) == ("enrollmentId", 404)
    assert published == []


def test_an_interaction_travels_through_json_unchanged(published):
    submission = SubmissionFactory(enrollment=teaching_enrollment())
    services.submission_grade(
        submission=submission, actor=submission.enrollment.instructor, score=90
    )
    [interaction] = published.of("instructor.interaction_recorded")

    envelope = events.instructor_interaction_recorded.envelope_from_json(
        event_id="evt_1",
        occurred_at=interaction.occurred_at,
        payload=to_json(interaction),
    )

    assert envelope.payload == interaction
