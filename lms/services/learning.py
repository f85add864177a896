"""The learner's progress, assignments and grades, and the completion rule they feed.

After anything that can finish a course (a lesson completed, a grade given, a final grade set)
``_complete_if_ready`` applies the completion rule: every required lesson complete and the grade
at or above the course's passing grade moves the enrollment ``in_progress → completed``.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from lms import selectors
from lms.errors import LmsConflict, LmsError, LmsPermissionDenied
from lms.models import Enrollment, Interaction, Lesson, LessonCompletion, Submission, User
from lms.services.enrollments import (
    _check_grade,
    _locked,
    enrollment_complete,
    enrollment_start,
)
from lms.services.interactions import interaction_record

LEARNING_PROGRESS = "learning-progress"
# The system that starts a course for a learner whose attendance the instructor recorded.
LIVE_ATTENDANCE = "live-attendance"
LEARNING_STATES = [Enrollment.State.APPROVED, Enrollment.State.IN_PROGRESS]

# The files a submission may carry: extension → (content type, how its first bytes look).
# Checking the bytes too means a renamed executable is not accepted as a PDF.
SUBMISSION_FILE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".zip": ("application/zip", (b"PK\x03\x04",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".txt": ("text/plain", None),
    ".md": ("text/markdown", None),
}
DEFAULT_SUBMISSION_MAX_BYTES = 5 * 1024 * 1024


def submission_max_bytes() -> int:
    return getattr(settings, "LMS_SUBMISSION_MAX_BYTES", DEFAULT_SUBMISSION_MAX_BYTES)


def _learner_only(enrollment: Enrollment, actor: User) -> None:
    if actor.pk != enrollment.user_id:
        raise LmsPermissionDenied("only the enrolled learner may do this", field="enrollment")


def _lesson_of(enrollment: Enrollment, lesson: Lesson) -> None:
    if lesson.module.course_id != enrollment.course_id:
        raise LmsError("is not a lesson of this course", field="lesson")


def _started(enrollment: Enrollment, actor: User) -> Enrollment:
    """The enrollment, locked and in progress: the first piece of work done starts an approved
    one (reading a lesson does not)."""
    # Lock first, then look: a concurrent request may have completed the course meanwhile.
    enrollment = _locked(enrollment.pk)
    if enrollment.state not in LEARNING_STATES:
        raise LmsConflict(
            f"the enrollment is {enrollment.get_state_display().lower()}; "
            "lessons can no longer be worked on",
            field="state",
        )
    if enrollment.state == Enrollment.State.APPROVED:
        enrollment_start(enrollment=enrollment, actor=actor)
    return enrollment


# --- progress ----------------------------------------------------------------------------------


def lesson_opened(*, enrollment: Enrollment, lesson: Lesson, actor: User) -> None:
    """Remember where the learner left off, for the course page's "Resume" (one UPDATE, which
    touches nothing when it is the lesson already remembered). Others opening it change nothing."""
    if actor.pk != enrollment.user_id:
        return
    Enrollment.objects.filter(pk=enrollment.pk).exclude(last_lesson=lesson).update(
        last_lesson=lesson
    )


@transaction.atomic
def lesson_complete(*, enrollment: Enrollment, lesson: Lesson, actor: User) -> LessonCompletion:
    """Mark a lesson done (idempotent); may complete the course.

    An assignment is done by submitting it, not by marking it.
    """
    _learner_only(enrollment, actor)
    _lesson_of(enrollment, lesson)
    if lesson.kind == Lesson.Kind.ASSIGNMENT:
        raise LmsError("an assignment is completed by submitting it", field="lesson")
    if lesson.kind == Lesson.Kind.LIVE_SESSION:
        raise LmsError(
            "a live session is completed by attending it: check in while it is on, or your "
            "instructor records your attendance",
            field="lesson",
        )
    enrollment = _started(enrollment, actor)
    completion, _ = LessonCompletion.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    _complete_if_ready(enrollment)
    return completion


@transaction.atomic
def live_session_check_in(
    *, enrollment: Enrollment, lesson: Lesson, actor: User
) -> LessonCompletion:
    """The learner checks in to a live session while it is on (from its start to its end):
    the session counts as attended and completed. Idempotent; may start or complete the course.
    """
    _learner_only(enrollment, actor)
    _lesson_of(enrollment, lesson)
    if lesson.kind != Lesson.Kind.LIVE_SESSION:
        raise LmsError("is not a live session", field="lesson")
    phase = lesson.session_phase(timezone.now())
    if phase == "upcoming":
        raise LmsError(
            f"the session has not started yet; check in from {lesson.starts_at:%d %b %Y %H:%M}",
            field="lesson",
        )
    if phase == "ended":
        raise LmsError(
            "the session has ended; your instructor records who attended", field="lesson"
        )
    enrollment = _started(enrollment, actor)
    completion, _ = LessonCompletion.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    _complete_if_ready(enrollment)
    return completion


def live_session_attended(*, enrollment_pk: int, lesson: Lesson) -> None:
    """Recorded attendance completes the live session for the learner (inside the recording's
    transaction). An approved course is started on the learner's behalf, as their first
    lesson completion would; the completion rule then applies."""
    enrollment = _locked(enrollment_pk)
    if enrollment.state == Enrollment.State.APPROVED:
        enrollment_start(
            enrollment=enrollment, system=LIVE_ATTENDANCE, reason=f"attended “{lesson.title}”"
        )
    LessonCompletion.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    _complete_if_ready(enrollment)


def _complete_if_ready(enrollment: Enrollment) -> bool:
    """Apply the completion rule to a locked enrollment; says whether it completed now."""
    if enrollment.state != Enrollment.State.IN_PROGRESS:
        return False
    progress = selectors.progress_for(enrollment)
    if not progress.ready_to_complete:
        return False
    enrollment_complete(enrollment=enrollment, grade=progress.grade, system=LEARNING_PROGRESS)
    return True


# --- assignments -------------------------------------------------------------------------------


def _validated_file(upload: UploadedFile) -> tuple[str, str]:
    """The file's safe name and content type, or an error naming ``file`` and why."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in SUBMISSION_FILE_TYPES:
        allowed = ", ".join(sorted(SUBMISSION_FILE_TYPES))
        raise LmsError(
            f"files of type '{extension or name}' are not accepted (only {allowed})", field="file"
        )
    limit = submission_max_bytes()
    if upload.size > limit:
        raise LmsError(
            f"is {upload.size} bytes; the limit is {limit} bytes ({limit // (1024 * 1024)} MB)",
            field="file",
        )
    if upload.size == 0:
        raise LmsError("is empty", field="file")
    content_type, signatures = SUBMISSION_FILE_TYPES[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures is None:
        if b"\x00" in head or not _is_utf8(head):
            raise LmsError(f"is not a {extension} text file", field="file")
    elif not head.startswith(signatures):
        raise LmsError(f"does not look like a {extension} file", field="file")
    return name, content_type


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The first bytes may cut a character in two; only a fault before the cut counts.
        return error.start >= len(head) - 3
    return True


@transaction.atomic
def submission_submit(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    actor: User,
    text: str = "",
    upload: UploadedFile | None = None,
) -> Submission:
    """Hand in an assignment: text, a file, or both. Until it is graded it may be replaced.

    The file is checked (type by extension and content, size) before anything is written, and
    the assignment lesson counts as done.
    """
    _learner_only(enrollment, actor)
    _lesson_of(enrollment, lesson)
    if lesson.kind != Lesson.Kind.ASSIGNMENT:
        raise LmsError("is not an assignment", field="lesson")
    text = (text or "").strip()
    if not text and upload is None:
        raise LmsError("write an answer or attach a file", field="text")
    file_fields = {}
    if upload is not None:
        name, content_type = _validated_file(upload)
        file_fields = {
            "file_name": name,
            "file_content_type": content_type,
            "file_size": upload.size,
        }
    enrollment = _started(enrollment, actor)
    submission = (
        Submission.objects.select_for_update().filter(enrollment=enrollment, lesson=lesson).first()
    )
    if submission is not None and submission.is_graded:
        raise LmsConflict("this assignment is already graded", field="lesson")
    if submission is None:
        submission = Submission(enrollment=enrollment, lesson=lesson)
    submission.text = text
    submission.submitted_at = timezone.now()
    if upload is not None:
        if submission.file:
            # The replaced file goes once the new one is committed; capture its name now, as
            # saving the new file renames the same field file in place.
            storage, old_name = submission.file.storage, submission.file.name
            transaction.on_commit(lambda: storage.delete(old_name))
        submission.file.save(file_fields["file_name"], upload, save=False)
        for field_name, value in file_fields.items():
            setattr(submission, field_name, value)
    submission.save()
    LessonCompletion.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    return submission


def may_grade(*, enrollment: Enrollment, user: User) -> bool:
    """The enrollment's instructor grades; staff who may complete enrollments may too."""
    return enrollment.instructor_id == user.pk or (
        user.is_staff and user.has_perm("lms.complete_enrollment")
    )


@transaction.atomic
def submission_grade(
    *, submission: Submission, actor: User, score: int, feedback: str = ""
) -> Submission:
    """Grade a submission 0-100 with feedback; may complete the course.

    Grading by the enrollment's instructor publishes an ``assignment-graded`` interaction, once
    per submission (a corrected grade is not a second interaction).
    """
    _check_grade(score, field="score")
    enrollment = _locked(submission.enrollment_id)
    if not may_grade(enrollment=enrollment, user=actor):
        raise LmsPermissionDenied("only the learner's instructor grades this", field="submission")
    if enrollment.state != Enrollment.State.IN_PROGRESS:
        raise LmsConflict(
            f"the enrollment is {enrollment.get_state_display().lower()}; grades are closed",
            field="state",
        )
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    submission.score = score
    submission.feedback = (feedback or "").strip()
    submission.graded_by = actor
    submission.graded_at = timezone.now()
    submission.save(update_fields=["score", "feedback", "graded_by", "graded_at"])
    if enrollment.instructor_id == actor.pk:
        interaction_record(
            enrollment=enrollment,
            instructor=actor,
            kind=Interaction.Kind.ASSIGNMENT_GRADED,
            amount=1,
            source_key=f"assignment-graded:{submission.public_id}",
            occurred_at=submission.graded_at,
        )
    _complete_if_ready(enrollment)
    return submission


@transaction.atomic
def enrollment_final_grade_set(*, enrollment: Enrollment, actor: User, grade: int) -> Enrollment:
    """The instructor's final grade, for courses graded that way; may complete the course."""
    _check_grade(grade, field="grade")
    enrollment = _locked(enrollment.pk)
    if not may_grade(enrollment=enrollment, user=actor):
        raise LmsPermissionDenied("only the learner's instructor sets the grade", field="grade")
    if enrollment.course.grading_method != enrollment.course.GradingMethod.FINAL_GRADE:
        raise LmsConflict("this course is graded by its assignments' average", field="grade")
    if enrollment.state not in LEARNING_STATES:
        raise LmsConflict(
            f"the enrollment is {enrollment.get_state_display().lower()}; grades are closed",
            field="state",
        )
    enrollment.final_grade = grade
    enrollment.save(update_fields=["final_grade"])
    _complete_if_ready(enrollment)
    return enrollment
