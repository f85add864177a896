"""The LMS demo: people and courses, and purchased enrollments taken partway or to the end."""

import pytest

from lms import api, selectors
from lms.data import PendingEnrollmentRequest
from lms.errors import LmsError, LmsNotFound
from lms.models import Certificate, Enrollment, Interaction, Lesson, Submission, Thread, User

pytestmark = pytest.mark.django_db


def _seeded():
    api.seed_demo(password="demo-password")
    return api.seed_demo(password="demo-password")  # idempotent


def _purchased(seed, role: str, course_index: int = 0) -> str:
    course_id = seed.courses[course_index].id
    api.enrollment_request(
        PendingEnrollmentRequest(
            external_order_id=f"ord_{role}",
            external_order_item_id=f"oi_{role}",
            user_id=seed.users[role],
            course_id=course_id,
        )
    )
    return course_id


def test_the_demo_has_people_published_courses_and_a_staff_enrollment():
    seed = _seeded()

    assert User.objects.count() == 5
    assert len(seed.courses) == 2
    assert Lesson.objects.filter(kind=Lesson.Kind.LIVE_SESSION, starts_at__isnull=True).count() == 0
    staff_made = Enrollment.objects.get(source=Enrollment.Source.STAFF)
    assert (staff_made.user.username, staff_made.state) == ("graduate", Enrollment.State.APPROVED)


def test_partway_leaves_work_for_the_instructor():
    seed = _seeded()
    course_id = _purchased(seed, "learner")

    first = api.seed_demo_learning(
        user_id=seed.users["learner"], course_id=course_id, stage="in_progress"
    )
    again = api.seed_demo_learning(
        user_id=seed.users["learner"], course_id=course_id, stage="in_progress"
    )

    assert (first.status, first.changed) == (Enrollment.State.IN_PROGRESS, True)
    assert (again.status, again.changed) == (Enrollment.State.IN_PROGRESS, False)
    enrollment = Enrollment.objects.get(public_id=first.enrollment_id)
    progress = selectors.progress_for(enrollment)
    assert 0 < progress.done < progress.total
    assert {lesson.kind for lesson in progress.lessons} == set(Lesson.Kind.values)
    instructor = User.objects.get(username="instructor")
    assert enrollment.instructor == instructor and enrollment.approved_by
    assert [s.enrollment for s in selectors.submissions_to_grade_by(instructor)] == [enrollment]
    assert [t.title for t in selectors.threads_awaiting_reply_from(instructor)] == [
        "Why integers for money?"
    ]
    assert Submission.objects.count() == 1 and Thread.objects.count() == 1


def test_completed_means_every_lesson_done_and_the_exercise_graded_by_the_instructor():
    seed = _seeded()
    course_id = _purchased(seed, "graduate")

    api.seed_demo_learning(user_id=seed.users["graduate"], course_id=course_id, stage="approved")
    done = api.seed_demo_learning(
        user_id=seed.users["graduate"], course_id=course_id, stage="completed"
    )

    enrollment = Enrollment.objects.get(public_id=done.enrollment_id)
    assert enrollment.state == Enrollment.State.COMPLETED and enrollment.grade == 92
    assert Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True).exists()
    graded = Interaction.objects.get(enrollment=enrollment)
    assert (graded.kind, graded.instructor.username) == (
        Interaction.Kind.ASSIGNMENT_GRADED,
        "instructor",
    )
    assert not selectors.threads_awaiting_reply_from(enrollment.instructor)


def test_an_unknown_stage_or_a_learner_without_a_purchase_is_refused():
    seed = _seeded()
    course_id = seed.courses[0].id

    with pytest.raises(LmsError) as unknown:
        api.seed_demo_learning(user_id=seed.users["learner"], course_id=course_id, stage="paid")
    with pytest.raises(LmsNotFound) as missing:
        api.seed_demo_learning(user_id=seed.users["learner"], course_id=course_id, stage="approved")

    assert unknown.value.field == "stage" and missing.value.field == "userId"


def test_the_demo_announces_each_person_once(published):
    api.seed_demo(password="demo-password")
    api.seed_demo(password="demo-password")

    announced = [payload.id for payload in published.of("user.created")]
    assert sorted(announced) == sorted(User.objects.values_list("public_id", flat=True))
    assert len(announced) == 5
