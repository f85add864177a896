"""The instructor's grading queue and roster, and the header's Teaching and Earnings links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from lms.models import LessonCompletion, Submission
from lms.services import roles_ensure
from lms.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    SubmissionFactory,
    UserFactory,
    teaching_enrollment,
)

pytestmark = pytest.mark.django_db


def _waiting(enrollment, days: int) -> Submission:
    submission = SubmissionFactory(enrollment=enrollment)
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=timezone.now() - timedelta(days=days, hours=1)
    )
    return submission


def test_the_grading_queue_filters_by_course_and_how_long_work_waited(client):
    first = teaching_enrollment(title="Payments")
    instructor = first.instructor
    second = teaching_enrollment(title="Teaching")
    second.course.assignments.all().delete()
    second.course.assignments.create(instructor=instructor)
    second.instructor = instructor
    second.save(update_fields=["instructor"])
    old, fresh, other = _waiting(first, 5), _waiting(first, 0), _waiting(second, 2)
    theirs = _waiting(teaching_enrollment(), 9)  # someone else's learner
    client.force_login(instructor)

    def listed(**query) -> list[str]:
        page = client.get(reverse("lms:grading"), query).content.decode()
        ids = [s.public_id for s in (old, fresh, other, theirs)]
        return sorted((i for i in ids if f'data-submission="{i}"' in page), key=page.index)

    assert listed() == [old.public_id, other.public_id, fresh.public_id]  # oldest first
    assert listed(course=first.course.public_id) == [old.public_id, fresh.public_id]
    assert listed(waiting="3") == [old.public_id]
    assert listed(course=second.course.public_id, waiting="1") == [other.public_id]


def test_the_roster_shows_each_learners_progress(client):
    # Names fixed so that one learner's last name is never part of the other's name.
    enrollment = teaching_enrollment(lessons=4, title="Payments")
    enrollment.user.first_name, enrollment.user.last_name = "Ada", "Lovelace"
    enrollment.user.save(update_fields=["first_name", "last_name"])
    lessons = list(LessonFactory._meta.model.objects.filter(module__course=enrollment.course))
    LessonCompletion.objects.create(enrollment=enrollment, lesson=lessons[0])
    other = EnrollmentFactory(
        course=enrollment.course,
        instructor=enrollment.instructor,
        state="in_progress",
        user=UserFactory(first_name="Grace", last_name="Hopper"),
    )
    client.force_login(enrollment.instructor)

    page = client.get(reverse("lms:roster")).content.decode()
    assert "1 of 4 lessons (25%)" in page and "0 of 4 lessons (0%)" in page

    named = client.get(reverse("lms:roster"), {"q": other.user.last_name}).content.decode()
    assert f'data-enrollment="{other.public_id}"' in named
    assert f'data-enrollment="{enrollment.public_id}"' not in named


@pytest.mark.parametrize("rows", [1, 30])
def test_the_queue_and_roster_cost_the_same_queries_whatever_their_length(
    client, django_assert_num_queries, rows
):
    enrollment = teaching_enrollment(lessons=3)
    for _ in range(rows):
        learner = EnrollmentFactory(
            course=enrollment.course, instructor=enrollment.instructor, state="in_progress"
        )
        _waiting(learner, 2)
    client.force_login(enrollment.instructor)
    course = enrollment.course.public_id
    # session, user, the courses for the filter, the queue
    with django_assert_num_queries(4):
        page = client.get(reverse("lms:grading"), {"course": course, "waiting": "1"})
    assert page.content.decode().count("data-submission=") == rows
    # session, user, the courses for the filter, the learners with their progress
    with django_assert_num_queries(4):
        page = client.get(reverse("lms:roster"), {"course": course})
    assert page.content.decode().count("data-enrollment=") == rows + 1


def test_the_header_shows_teaching_and_earnings_only_to_those_who_teach_or_earn(client):
    roles_ensure()
    learner = UserFactory()
    creator = CourseFactory().content_creator
    instructor = teaching_enrollment().instructor
    newcomer = UserFactory()
    newcomer.groups.add(Group.objects.get(name="instructor"))

    def links(user) -> tuple[bool, bool]:
        client.force_login(user)
        page = client.get(reverse("lms:my_learning")).content.decode()
        return 'href="/teaching/"' in page, 'href="/earnings/"' in page

    assert links(learner) == (False, False)
    assert links(creator) == (False, True)
    assert links(instructor) == (True, True)
    assert links(newcomer) == (True, True)


def test_the_header_links_follow_a_new_assignment_within_minutes(client, monkeypatch):
    from lms import work_roles

    user = UserFactory()
    client.force_login(user)
    assert 'href="/teaching/"' not in client.get(reverse("lms:my_learning")).content.decode()
    course = CourseFactory()
    course.assignments.create(instructor=user)
    ModuleFactory(course=course)
    later = work_roles.time.time() + work_roles.REFRESH + 1
    monkeypatch.setattr(work_roles.time, "time", lambda: later)
    assert 'href="/teaching/"' in client.get(reverse("lms:my_learning")).content.decode()
