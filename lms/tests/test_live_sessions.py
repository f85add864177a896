"""Attendance minutes, typed in or imported from CSV, and the live-session interactions."""

import datetime as dt

import pytest
from django.utils import timezone

from lms import services
from lms.errors import LmsConflict, LmsError, LmsPermissionDenied
from lms.models import Attendance, Lesson
from lms.tests.factories import LessonFactory, ModuleFactory, UserFactory, teaching_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course),
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() + dt.timedelta(days=1),
        duration_minutes=60,
    )
    return enrollment, lesson


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
