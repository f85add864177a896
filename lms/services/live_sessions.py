"""Live sessions: attendance minutes per learner, typed in or imported from a CSV file.

A live session is a lesson of kind "live session" (it has its start time and duration). The
instructor who records attendance taught the session; the minutes of each learner they teach
publish one ``live-session`` interaction per (session, learner).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lms.errors import LmsConflict, LmsError, LmsPermissionDenied
from lms.models import Attendance, Enrollment, Interaction, Lesson, User
from lms.services.discussions import teaches
from lms.services.interactions import interaction_record
from lms.services.learning import live_session_attended

ATTENDANCE_STATES = [
    Enrollment.State.APPROVED,
    Enrollment.State.IN_PROGRESS,
    Enrollment.State.COMPLETED,
]
CSV_COLUMNS = ("learner", "minutes")
MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass(frozen=True)
class AttendanceImport:
    recorded: int
    unchanged: int
    errors: tuple[RowError, ...]


def _session(lesson: Lesson, actor: User) -> None:
    if lesson.kind != Lesson.Kind.LIVE_SESSION:
        raise LmsError("is not a live session", field="lesson")
    if not teaches(user=actor, course=lesson.module.course):
        raise LmsPermissionDenied("only the course's instructors record attendance", field="lesson")
    # Attendance is a fact about a session that has happened: none before it starts.
    if lesson.session_phase(timezone.now()) == "upcoming":
        raise LmsError(
            f"the session has not started yet (it starts {lesson.starts_at:%d %b %Y %H:%M}); "
            "record attendance once it has",
            field="lesson",
        )


def _minutes(value: object) -> int:
    if isinstance(value, str):
        value = value.strip()
        # ASCII digits only (str.isdigit() takes "²", which int() refuses), and few enough of
        # them that int() never meets its 4,300-digit limit.
        if not (value.isascii() and value.isdigit()):
            raise LmsError(f"'{value[:40]}' is not a whole number of minutes", field="minutes")
        if len(value) > len(str(MAX_MINUTES)):
            raise LmsError(f"must be a whole number from 1 to {MAX_MINUTES}", field="minutes")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise LmsError(f"must be a whole number from 1 to {MAX_MINUTES}", field="minutes")
    return value


def _record(*, lesson: Lesson, enrollment: Enrollment, minutes: int, actor: User) -> bool:
    # One writer per enrollment at a time, so two entries of the same minutes record once.
    list(Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk"))
    existing = Attendance.objects.filter(lesson=lesson, enrollment=enrollment).first()
    if existing is not None:
        if existing.minutes != minutes:
            raise LmsConflict(
                f"already recorded as {existing.minutes} minutes for {enrollment.user}",
                field="minutes",
            )
        return False
    attendance = Attendance.objects.create(
        lesson=lesson, enrollment=enrollment, minutes=minutes, recorded_by=actor
    )
    if enrollment.instructor_id == actor.pk:
        interaction_record(
            enrollment=enrollment,
            instructor=actor,
            kind=Interaction.Kind.LIVE_SESSION,
            amount=minutes,
            source_key=f"live-session:{lesson.pk}:{enrollment.public_id}",
            occurred_at=attendance.recorded_at,
        )
    # After the interaction, so that a completion it causes finds the instructor's evidence.
    live_session_attended(enrollment_pk=enrollment.pk, lesson=lesson)
    return True


@transaction.atomic
def attendance_record(
    *, lesson: Lesson, enrollment: Enrollment, minutes: int | str, actor: User
) -> bool:
    """Record a learner's minutes at a live session; says whether anything new was written.

    Recording the same minutes again changes nothing; different minutes are refused (a
    published interaction is never edited).
    """
    _session(lesson, actor)
    minutes = _minutes(minutes)
    if enrollment.course_id != lesson.module.course_id or enrollment.state not in (
        ATTENDANCE_STATES
    ):
        raise LmsError("is not a learner of this course", field="enrollment")
    return _record(lesson=lesson, enrollment=enrollment, minutes=minutes, actor=actor)


def _enrollment_for(lesson: Lesson, learner: str) -> Enrollment | None:
    return (
        Enrollment.objects.select_related("user", "course")
        .filter(course_id=lesson.module.course_id, state__in=ATTENDANCE_STATES)
        .filter(
            Q(user__public_id=learner) | Q(user__username=learner) | Q(user__email__iexact=learner)
        )
        .order_by("-requested_at")
        .first()
    )


@transaction.atomic
def attendance_import(*, lesson: Lesson, actor: User, csv_text: str) -> AttendanceImport:
    """Import attendance from CSV with the columns ``learner`` (id, username or email) and
    ``minutes``. Every row is checked first; with any error nothing is written and each error
    names its row (as a spreadsheet numbers it, the header being row 1) and field."""
    _session(lesson, actor)
    reader = csv.DictReader(io.StringIO(csv_text))
    if reader.fieldnames is None or not set(CSV_COLUMNS) <= {
        (name or "").strip().lower() for name in reader.fieldnames
    }:
        raise LmsError("needs a header row with the columns learner,minutes", field="file")
    errors: list[RowError] = []
    rows: list[tuple[Enrollment, int]] = []
    seen: dict[int, int] = {}
    recorded_minutes = dict(
        Attendance.objects.filter(lesson=lesson).values_list("enrollment_id", "minutes")
    )
    for number, raw in enumerate(reader, start=2):
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items()}
        learner = row.get("learner", "")
        enrollment = _enrollment_for(lesson, learner) if learner else None
        if not learner:
            errors.append(RowError(number, "learner", "is required"))
        elif enrollment is None:
            errors.append(RowError(number, "learner", f"'{learner}' is not in this course"))
        elif enrollment.pk in seen:
            errors.append(RowError(number, "learner", f"repeats row {seen[enrollment.pk]}"))
        try:
            minutes = _minutes(row.get("minutes", ""))
        except LmsError as error:
            errors.append(RowError(number, "minutes", error.message))
            continue
        previous = recorded_minutes.get(enrollment.pk) if enrollment is not None else None
        if previous is not None and previous != minutes:
            errors.append(RowError(number, "minutes", f"already recorded as {previous} minutes"))
        elif enrollment is not None and enrollment.pk not in seen:
            seen[enrollment.pk] = number
            rows.append((enrollment, minutes))
    if not errors and not rows:
        raise LmsError("has no rows", field="file")
    if errors:
        return AttendanceImport(recorded=0, unchanged=0, errors=tuple(errors))
    recorded = unchanged = 0
    for enrollment, minutes in rows:
        if _record(lesson=lesson, enrollment=enrollment, minutes=minutes, actor=actor):
            recorded += 1
        else:
            unchanged += 1
    return AttendanceImport(recorded=recorded, unchanged=unchanged, errors=())
