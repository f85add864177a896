"""The LMS demo: a learner partway through a course with every kind of lesson."""

import pytest

from lms import api, selectors
from lms.models import Enrollment, Lesson, Submission, Thread, User

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_learner_partway_through_and_work_for_the_instructor():
    api.seed_demo(password="demo-password")
    api.seed_demo(password="demo-password")  # idempotent

    enrollment = Enrollment.objects.get(
        user__username="learner", course__slug="django-for-payments"
    )
    progress = selectors.progress_for(enrollment)
    assert enrollment.state == Enrollment.State.IN_PROGRESS
    assert 0 < progress.done < progress.total
    assert {lesson.kind for lesson in progress.lessons} == set(Lesson.Kind.values)
    assert Lesson.objects.filter(kind=Lesson.Kind.LIVE_SESSION, starts_at__isnull=True).count() == 0
    instructor = User.objects.get(username="instructor")
    assert [s.enrollment for s in selectors.submissions_to_grade_by(instructor)] == [enrollment]
    assert [t.title for t in selectors.threads_awaiting_reply_from(instructor)] == [
        "Why integers for money?"
    ]
    assert Submission.objects.count() == 1 and Thread.objects.count() == 1


def test_the_demo_announces_each_person_once(published):
    api.seed_demo(password="demo-password")
    api.seed_demo(password="demo-password")

    announced = [payload.id for payload in published.of("user.created")]
    assert sorted(announced) == sorted(User.objects.values_list("public_id", flat=True))
    assert len(announced) == 4
