"""Lesson completion, the first lesson starting the course, and the completion rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms import api as lms_api
from lms import services
from lms.errors import LmsConflict, LmsError, LmsPermissionDenied
from lms.models import Certificate, Course, Enrollment, EnrollmentTransition, Lesson
from lms.progress import progress_of
from lms.selectors import progress_for
from lms.tests.factories import (
    LessonFactory,
    ModuleFactory,
    SubmissionFactory,
    UserFactory,
    teaching_enrollment,
)

pytestmark = pytest.mark.django_db


def fresh(enrollment: Enrollment) -> Enrollment:
    # The state is protected: re-fetch rather than refresh_from_db().
    return Enrollment.objects.get(pk=enrollment.pk)


def test_the_first_lesson_completed_moves_an_approved_enrollment_to_in_progress():
    enrollment = teaching_enrollment(lessons=2, state=Enrollment.State.APPROVED)
    lesson = Lesson.objects.filter(module__course=enrollment.course).first()

    services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)
    services.lesson_complete(enrollment=fresh(enrollment), lesson=lesson, actor=enrollment.user)

    assert fresh(enrollment).state == Enrollment.State.IN_PROGRESS
    [start] = EnrollmentTransition.objects.filter(enrollment=enrollment)
    assert (start.name, start.actor) == ("start", enrollment.user)


def test_only_the_learner_starts_or_completes_their_lessons():
    enrollment = teaching_enrollment(lessons=1, state=Enrollment.State.APPROVED)
    lesson = Lesson.objects.get(module__course=enrollment.course)

    with pytest.raises(LmsPermissionDenied):
        services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=UserFactory())
    with pytest.raises(LmsPermissionDenied):
        services.enrollment_start(enrollment=enrollment, actor=enrollment.instructor)
    assert fresh(enrollment).state == Enrollment.State.APPROVED


def test_a_lesson_of_another_course_is_refused_naming_the_lesson():
    enrollment = teaching_enrollment(lessons=1)
    other = LessonFactory()

    with pytest.raises(LmsError) as error:
        services.lesson_complete(enrollment=enrollment, lesson=other, actor=enrollment.user)

    assert error.value.field == "lesson"
    assert not enrollment.lesson_completions.exists()


def test_completing_every_required_lesson_of_an_ungraded_course_completes_it(published):
    enrollment = teaching_enrollment(lessons=2)
    LessonFactory(module=ModuleFactory(course=enrollment.course), required=False)
    first, second = Lesson.objects.filter(module__course=enrollment.course, required=True)

    services.lesson_complete(enrollment=enrollment, lesson=first, actor=enrollment.user)
    assert fresh(enrollment).state == Enrollment.State.IN_PROGRESS
    services.lesson_complete(enrollment=fresh(enrollment), lesson=first, actor=enrollment.user)
    assert enrollment.lesson_completions.count() == 1
    services.lesson_complete(enrollment=fresh(enrollment), lesson=second, actor=enrollment.user)

    done = fresh(enrollment)
    assert done.state == Enrollment.State.COMPLETED
    [completed] = published.of("enrollment.completed")
    assert completed.enrollment_id == enrollment.public_id
    assert completed.instructor_id == enrollment.instructor.public_id
    assert completed.grade == 100
    assert Certificate.objects.get(enrollment=enrollment).grade == 100


def test_an_assignment_is_done_by_submitting_it_not_by_marking_it():
    enrollment = teaching_enrollment()
    assignment = LessonFactory(
        module=ModuleFactory(course=enrollment.course), kind=Lesson.Kind.ASSIGNMENT
    )

    with pytest.raises(LmsError) as error:
        services.lesson_complete(enrollment=enrollment, lesson=assignment, actor=enrollment.user)

    assert error.value.field == "lesson"


def test_the_average_of_graded_assignments_decides_and_below_passing_says_what_is_missing():
    enrollment = teaching_enrollment(passing_grade=70)
    module = ModuleFactory(course=enrollment.course)
    one, two = LessonFactory.create_batch(2, module=module, kind=Lesson.Kind.ASSIGNMENT)
    first = services.submission_submit(
        enrollment=enrollment, lesson=one, actor=enrollment.user, text="A"
    )
    second = services.submission_submit(
        enrollment=enrollment, lesson=two, actor=enrollment.user, text="B"
    )

    services.submission_grade(submission=first, actor=enrollment.instructor, score=60)
    progress = progress_for(fresh(enrollment))
    assert progress.grade is None
    assert f"Your assignment “{two.title}” is waiting for a grade." in progress.missing

    services.submission_grade(submission=second, actor=enrollment.instructor, score=75)
    progress = progress_for(fresh(enrollment))
    assert progress.grade == 68  # (60 + 75) / 2 = 67.5, rounded half up
    assert progress.missing == ("Your grade is 68; the course's passing grade is 70.",)
    assert fresh(enrollment).state == Enrollment.State.IN_PROGRESS
    assert not Certificate.objects.exists()


def test_a_final_grade_course_completes_when_the_instructor_sets_a_passing_grade(published):
    enrollment = teaching_enrollment(
        lessons=1, grading_method=Course.GradingMethod.FINAL_GRADE, passing_grade=80
    )
    lesson = Lesson.objects.get(module__course=enrollment.course)
    services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)
    assert progress_for(fresh(enrollment)).missing == (
        "Your instructor has not set your final grade yet.",
    )

    services.enrollment_final_grade_set(
        enrollment=enrollment, actor=enrollment.instructor, grade=79
    )
    assert fresh(enrollment).state == Enrollment.State.IN_PROGRESS
    services.enrollment_final_grade_set(
        enrollment=enrollment, actor=enrollment.instructor, grade=85
    )

    assert fresh(enrollment).state == Enrollment.State.COMPLETED
    assert [c.grade for c in published.of("enrollment.completed")] == [85]


def test_only_the_enrollments_instructor_sets_the_final_grade():
    enrollment = teaching_enrollment(grading_method=Course.GradingMethod.FINAL_GRADE)

    with pytest.raises(LmsPermissionDenied):
        services.enrollment_final_grade_set(enrollment=enrollment, actor=UserFactory(), grade=90)
    with pytest.raises(LmsError) as error:
        services.enrollment_final_grade_set(
            enrollment=enrollment, actor=enrollment.instructor, grade=101
        )
    assert error.value.field == "grade"
    assert fresh(enrollment).final_grade is None


def test_a_revoked_enrollment_revokes_its_certificate():
    enrollment = teaching_enrollment(lessons=1)
    lesson = Lesson.objects.get(module__course=enrollment.course)
    services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.is_valid

    services.enrollment_revoke(enrollment=fresh(enrollment), reason="refund", system="refund")

    certificate = Certificate.objects.get(pk=certificate.pk)
    assert not certificate.is_valid
    assert certificate.revoked_at == fresh(enrollment).ended_at


def test_a_completed_enrollment_takes_no_more_lesson_work():
    enrollment = teaching_enrollment(lessons=1)
    lesson = Lesson.objects.get(module__course=enrollment.course)
    services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)

    with pytest.raises(LmsConflict) as error:
        services.lesson_complete(enrollment=fresh(enrollment), lesson=lesson, actor=enrollment.user)

    assert error.value.field == "state"


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=12))
def test_the_assignment_average_lies_between_the_lowest_and_highest_score(scores):
    enrollment = Enrollment(course=Course(passing_grade=0), state=Enrollment.State.IN_PROGRESS)
    lessons = [
        Lesson(pk=n + 1, title=f"L{n}", kind=Lesson.Kind.ASSIGNMENT) for n in range(len(scores))
    ]
    submissions = [
        SubmissionFactory.build(
            lesson=lesson, lesson_id=lesson.pk, score=score, enrollment=enrollment
        )
        for lesson, score in zip(lessons, scores, strict=True)
    ]

    progress = progress_of(
        enrollment=enrollment,
        lessons=lessons,
        done_ids={x.pk for x in lessons},
        submissions=submissions,
    )

    assert min(scores) <= progress.grade <= max(scores)
    assert abs(progress.grade * len(scores) - sum(scores)) <= len(scores) / 2
    assert progress.ready_to_complete


def test_a_refund_after_completion_revokes_the_certificate_through_the_api():
    enrollment = teaching_enrollment(lessons=1)
    lesson = Lesson.objects.get(module__course=enrollment.course)
    services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)

    status = lms_api.enrollment_cancel_for_refund(
        order_id=enrollment.external_order_id,
        order_item_id=enrollment.external_order_item_id,
        reason="refund",
    )

    assert status.status == Enrollment.State.REVOKED
    assert Certificate.objects.get(enrollment=enrollment).revoked_at is not None
