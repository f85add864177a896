"""Attendance minutes, typed in or imported from CSV, and the live-session interactions."""

import datetime as dt

import pytest
from django.utils import timezone

from lms import services
from lms.errors import LmsConflict, LmsError, LmsPermissionDenied
from lms.models import Attendance, Enrollment, EnrollmentTransition, Lesson, LessonCompletion
from lms.tests.factories import LessonFactory, ModuleFactory, UserFactory, teaching_enrollment

pytestmark = pytest.mark.django_db


def live_session(course, *, starts_in: dt.timedelta, minutes: int | None = 60) -> Lesson:
    return LessonFactory(
        module=ModuleFactory(course=course),
        kind=Lesson.Kind.LIVE_SESSION,
        title="Office hours",
        starts_at=timezone.now() + starts_in,
        duration_minutes=minutes,
    )


def fresh(enrollment: Enrollment) -> Enrollment:
    return Enrollment.objects.get(pk=enrollment.pk)


@pytest.fixture
def session():
    """A session that started an hour ago, and a learner with an instructor."""
    enrollment = teaching_enrollment()
    return enrollment, live_session(enrollment.course, starts_in=-dt.timedelta(hours=1))


def test_minutes_publish_one_live_session_interaction_per_learner(session, published):
    enrollment, lesson = session

    assert services.attendance_record(
        lesson=lesson, enrollment=enrollment, minutes=45, actor=enrollment.instructor
    )
    assert not services.attendance_record(
        lesson=lesson, enrollment=enrollment, minutes="45", actor=enrollment.instructor
    )

    [interaction] = published.of("instructor.interaction_recorded")
    assert (interaction.kind, interaction.amount) == ("live-session", 45)
    assert interaction.enrollment_id == enrollment.public_id


def test_recorded_minutes_are_not_rewritten(session):
    enrollment, lesson = session
    services.attendance_record(
        lesson=lesson, enrollment=enrollment, minutes=45, actor=enrollment.instructor
    )

    with pytest.raises(LmsConflict) as error:
        services.attendance_record(
            lesson=lesson, enrollment=enrollment, minutes=50, actor=enrollment.instructor
        )

    assert error.value.field == "minutes"
    assert Attendance.objects.get().minutes == 45


def test_only_instructors_record_and_minutes_must_be_sensible(session):
    enrollment, lesson = session
    with pytest.raises(LmsPermissionDenied):
        services.attendance_record(
            lesson=lesson, enrollment=enrollment, minutes=5, actor=UserFactory()
        )
    # "²" passes str.isdigit() but not int(); 5,000 digits pass neither int() nor the database.
    for minutes in (0, -3, "ten", 24 * 60 + 1, "²", "9" * 5000, 10**30):
        with pytest.raises(LmsError) as error:
            services.attendance_record(
                lesson=lesson, enrollment=enrollment, minutes=minutes, actor=enrollment.instructor
            )
        assert error.value.field == "minutes"
    assert not Attendance.objects.exists()


def test_a_csv_import_records_every_row(session, published):
    enrollment, lesson = session
    classmate = teaching_enrollment(course=enrollment.course)
    classmate.instructor = enrollment.instructor
    classmate.save(update_fields=["instructor"])

    report = services.attendance_import(
        lesson=lesson,
        actor=enrollment.instructor,
        csv_text=f"Learner,Minutes\n{enrollment.user.username},30\n{classmate.user.email},55\n",
    )

    assert (report.recorded, report.unchanged, report.errors) == (2, 0, ())
    assert sorted(i.amount for i in published.of("instructor.interaction_recorded")) == [30, 55]


def test_a_csv_import_with_errors_names_each_row_and_field_and_writes_nothing(session, published):
    enrollment, lesson = session
    csv_text = (
        "learner,minutes\n"
        f"{enrollment.user.public_id},30\n"
        "nobody@example.com,20\n"
        f"{enrollment.user.username},abc\n"
        ",10\n"
    )

    report = services.attendance_import(
        lesson=lesson, actor=enrollment.instructor, csv_text=csv_text
    )

    assert [str(e) for e in report.errors] == [
        "row 3, learner: 'nobody@example.com' is not in this course",
        "row 4, learner: repeats row 2",
        "row 4, minutes: 'abc' is not a whole number of minutes",
        "row 5, learner: is required",
    ]
    assert report.recorded == 0
    assert not Attendance.objects.exists()
    assert published.of("instructor.interaction_recorded") == []


def test_a_csv_without_the_columns_is_refused(session):
    enrollment, lesson = session

    with pytest.raises(LmsError) as error:
        services.attendance_import(
            lesson=lesson, actor=enrollment.instructor, csv_text="name;time\nx;1\n"
        )

    assert error.value.field == "file"


# --- a live session counts once it has happened, by attendance -----------------------------------


@pytest.mark.parametrize(
    "starts_in", [dt.timedelta(days=2), -dt.timedelta(minutes=10), -dt.timedelta(days=2)]
)
def test_a_live_session_is_never_marked_complete_by_hand(starts_in):
    enrollment = teaching_enrollment()
    lesson = live_session(enrollment.course, starts_in=starts_in)

    with pytest.raises(LmsError) as error:
        services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)

    assert error.value.field == "lesson"
    assert "attend" in error.value.message
    assert not LessonCompletion.objects.exists()


def test_a_learner_checks_in_only_during_the_session_window():
    enrollment = teaching_enrollment()
    upcoming = live_session(enrollment.course, starts_in=dt.timedelta(minutes=5))
    over = live_session(enrollment.course, starts_in=-dt.timedelta(minutes=61), minutes=60)
    live = live_session(enrollment.course, starts_in=-dt.timedelta(minutes=59), minutes=60)

    for lesson, reason in [(upcoming, "has not started"), (over, "has ended")]:
        with pytest.raises(LmsError) as error:
            services.live_session_check_in(
                enrollment=enrollment, lesson=lesson, actor=enrollment.user
            )
        assert (error.value.field, reason in error.value.message) == ("lesson", True)
    assert not LessonCompletion.objects.exists()

    services.live_session_check_in(enrollment=enrollment, lesson=live, actor=enrollment.user)
    services.live_session_check_in(enrollment=enrollment, lesson=live, actor=enrollment.user)

    assert list(LessonCompletion.objects.values_list("lesson", flat=True)) == [live.pk]


def test_only_the_learner_checks_in_and_checking_in_starts_an_approved_course():
    enrollment = teaching_enrollment(state=Enrollment.State.APPROVED)
    lesson = live_session(enrollment.course, starts_in=-dt.timedelta(minutes=5))
    LessonFactory(module=lesson.module)  # something left to do after the session

    with pytest.raises(LmsPermissionDenied):
        services.live_session_check_in(
            enrollment=enrollment, lesson=lesson, actor=enrollment.instructor
        )
    services.live_session_check_in(enrollment=enrollment, lesson=lesson, actor=enrollment.user)

    assert fresh(enrollment).state == Enrollment.State.IN_PROGRESS
    [start] = EnrollmentTransition.objects.filter(enrollment=enrollment)
    assert start.actor == enrollment.user


def test_attendance_is_not_recorded_before_the_session_starts():
    enrollment = teaching_enrollment()
    lesson = live_session(enrollment.course, starts_in=dt.timedelta(minutes=30))

    with pytest.raises(LmsError) as error:
        services.attendance_record(
            lesson=lesson, enrollment=enrollment, minutes=30, actor=enrollment.instructor
        )
    assert error.value.field == "lesson"
    with pytest.raises(LmsError) as error:
        services.attendance_import(
            lesson=lesson,
            actor=enrollment.instructor,
            csv_text=f"learner,minutes\n{enrollment.user.username},30\n",
        )
    assert error.value.field == "lesson"
    assert not Attendance.objects.exists()
    assert not LessonCompletion.objects.exists()


def test_recorded_attendance_completes_the_session_and_can_complete_the_course(published):
    enrollment = teaching_enrollment(state=Enrollment.State.APPROVED)
    lesson = live_session(enrollment.course, starts_in=-dt.timedelta(days=1))

    services.attendance_record(
        lesson=lesson, enrollment=enrollment, minutes=45, actor=enrollment.instructor
    )

    assert LessonCompletion.objects.filter(enrollment=enrollment, lesson=lesson).exists()
    assert fresh(enrollment).state == Enrollment.State.COMPLETED
    [completed] = published.of("enrollment.completed")
    assert completed.enrollment_id == enrollment.public_id
    start = EnrollmentTransition.objects.get(enrollment=enrollment, name="start")
    assert (start.actor, start.actor_system) == (None, "live-attendance")


def test_imported_attendance_completes_the_session_for_each_learner(session):
    enrollment, lesson = session
    LessonFactory(module=lesson.module)  # the course goes on after the session
    classmate = teaching_enrollment(course=enrollment.course)

    services.attendance_import(
        lesson=lesson,
        actor=enrollment.instructor,
        csv_text=f"learner,minutes\n{enrollment.user.username},30\n{classmate.user.email},55\n",
    )

    assert set(LessonCompletion.objects.values_list("enrollment", "lesson")) == {
        (enrollment.pk, lesson.pk),
        (classmate.pk, lesson.pk),
    }
