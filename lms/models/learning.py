"""What learners and instructors do in a course: progress, submissions, discussions, attendance,
the instructor interactions they produce, and certificates."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from cadence.kernel.public_ids import PublicIdField
from lms.models.courses import Course, Lesson
from lms.models.enrollments import Enrollment


class LessonCompletion(models.Model):
    """A lesson the learner of an enrollment has completed; once per lesson."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="lesson_completions"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["completed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"], name="lms_one_completion_per_lesson"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lesson} done"


def submission_file_path(submission: "Submission", filename: str) -> str:
    """A random name under the enrollment's folder: nothing to guess, nothing the learner's file
    name could inject. The learner's own name is kept in ``file_name`` for the download."""
    suffix = PurePath(filename).suffix.lower()
    return f"submissions/{submission.enrollment.public_id}/{uuid.uuid4().hex}{suffix}"


class Submission(models.Model):
    """A learner's answer to an assignment lesson: text and/or a file, then a grade.

    The file lives under MEDIA_ROOT (outside the code tree) and is only ever served by the
    permission-checked download view, never as public media.
    """

    public_id = PublicIdField(prefix="sub")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="submissions")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="submissions")
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=submission_file_path, blank=True, max_length=255)
    file_name = models.CharField(max_length=255, blank=True, help_text="As the learner named it.")
    file_content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    feedback = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"], name="lms_one_submission_per_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} for {self.lesson}"

    @property
    def is_graded(self) -> bool:
        return self.score is not None


class Thread(models.Model):
    """A discussion in a course, optionally about one lesson, optionally addressed to a learner."""

    public_id = PublicIdField(prefix="thr")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="threads")
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    title = models.CharField(max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="started_threads"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now, db_index=True)
    # True while the last word is a learner's: the instructors' "waiting for a reply" list.
    awaiting_reply = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["-last_post_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    """One message in a thread. An instructor's reply may be addressed to one learner."""

    public_id = PublicIdField(prefix="pst")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    addressed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["posted_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} in {self.thread}"


class Attendance(models.Model):
    """Minutes a learner attended a live-session lesson, as the instructor recorded them."""

    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="attendances")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="attendances")
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "enrollment"], name="lms_one_attendance_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.user} attended {self.minutes} min"


class Interaction(models.Model):
    """An instructor's interaction with one learner's enrollment: the evidence payouts needs.

    ``source_key`` names what caused it (the graded submission, the reply, the attendance), so
    that recording the same cause twice records, and publishes, one interaction.
    """

    class Kind(models.TextChoices):
        DISCUSSION_REPLY = "discussion-reply", "Discussion reply"
        ASSIGNMENT_GRADED = "assignment-graded", "Assignment graded"
        LIVE_SESSION = "live-session", "Live session"

    public_id = PublicIdField(prefix="int")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="interactions"
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions_given"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # A count (replies, gradings) or minutes (live sessions).
    amount = models.PositiveIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)
    source_key = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.amount})"


class Certificate(models.Model):
    """Proof of a completion, checked by anyone at its verification code; revoked with it."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate"
    )
    verification_code = models.CharField(max_length=32, unique=True)
    # What the certificate says, as it was on the day: a later rename does not rewrite it.
    learner_name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=200)
    grade = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.verification_code}: {self.learner_name}, {self.course_title}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
