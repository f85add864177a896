"""Learning writes racing on PostgreSQL: each fact is recorded and published once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from lms import services
from lms.errors import LmsConflict
from lms.models import Attendance, Certificate, Enrollment, Interaction, Lesson, Submission
from lms.tests.factories import (
    CourseFactory,
    CourseInstructorFactory,
    LessonFactory,
    ModuleFactory,
    StaffFactory,
    SubmissionFactory,
    UserFactory,
    teaching_enrollment,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_gradings_at_once_record_one_interaction(published):
    submission = SubmissionFactory(enrollment=teaching_enrollment())
    instructor = submission.enrollment.instructor

    def grade():
        services.submission_grade(
            submission=Submission.objects.get(pk=submission.pk), actor=instructor, score=80
        )

    errors = race(grade, grade, grade)

    assert errors == []
    assert Interaction.objects.count() == 1
    assert len(published.of("instructor.interaction_recorded")) == 1


def test_the_last_two_lessons_completed_at_once_complete_the_course_once(published):
    enrollment = teaching_enrollment(lessons=2)
    lessons = list(Lesson.objects.filter(module__course=enrollment.course))

    def complete(lesson):
        return lambda: services.lesson_complete(
            enrollment=Enrollment.objects.get(pk=enrollment.pk),
            lesson=lesson,
            actor=enrollment.user,
        )

    errors = race(*(complete(lesson) for lesson in lessons))

    assert errors == []
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.COMPLETED
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1
    assert len(published.of("enrollment.completed")) == 1


def test_the_same_attendance_entered_twice_at_once_is_recorded_once(published):
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course),
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() - dt.timedelta(hours=1),
    )

    def record():
        services.attendance_record(
            lesson=lesson, enrollment=enrollment, minutes=30, actor=enrollment.instructor
        )

    errors = race(record, record)

    assert errors == []
    assert Attendance.objects.count() == 1
    assert [i.amount for i in published.of("instructor.interaction_recorded")] == [30]


def test_two_staff_enrollments_of_one_person_at_once_make_one(published):
    course, learner, staff = CourseFactory(), UserFactory(), StaffFactory()

    def enroll():
        services.enrollment_enroll(user=learner, course=course, actor=staff)

    errors = race(enroll, enroll, enroll)

    assert Enrollment.objects.filter(user=learner, course=course).count() == 1
    assert len(errors) == 2 and all(isinstance(error, LmsConflict) for error in errors)
    assert len(published.of("enrollment.requested")) == 1


def test_two_instructor_changes_at_once_are_logged_and_published_one_after_the_other(published):
    course = CourseFactory()
    ada, bea = (CourseInstructorFactory(course=course).instructor for _ in range(2))
    enrollment = teaching_enrollment(course=course, state=Enrollment.State.APPROVED)
    staff = StaffFactory()

    def assign(instructor):
        return lambda: services.enrollment_instructor_assign(
            enrollment=Enrollment.objects.get(pk=enrollment.pk), instructor=instructor, actor=staff
        )

    errors = race(assign(ada), assign(bea))

    assert errors == []
    changes = published.of("enrollment.instructor_assigned")
    assert sorted(change.revision for change in changes) == [1, 2]
    latest = max(changes, key=lambda change: change.revision)
    assert latest.instructor_id == Enrollment.objects.get(pk=enrollment.pk).instructor.public_id
    first = min(changes, key=lambda change: change.revision)
    assert latest.previous_instructor_id == first.instructor_id
