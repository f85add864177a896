from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django_fsm import FSMField, transition

from cadence.kernel.public_ids import PublicIdField
from lms.media import (
    course_image_path,
    lesson_resource_path,
    lesson_video_path,
    validate_image,
    validate_video,
)
from lms.video import embed_url


class Course(models.Model):
    """A course as authored: its catalogue facts, curriculum and who may teach it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    public_id = PublicIdField(prefix="crs")
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    thumbnail = models.URLField(blank=True, help_text="Address of the course's cover image.")
    image = models.FileField(
        upload_to=course_image_path,
        blank=True,
        max_length=255,
        validators=[validate_image],
        help_text="The cover image (PNG, JPEG or WebP, up to 2 MB); shown instead of the address.",
    )
    outcomes = models.TextField(
        blank=True, help_text="What learners will learn: one outcome per line."
    )
    content_creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_courses"
    )
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True)
    requires_approval = models.BooleanField(
        default=True,
        help_text="Staff review every enrollment unless the learner's department is pre-approved.",
    )
    passing_grade = models.PositiveSmallIntegerField(
        default=70,
        validators=[MaxValueValidator(100)],
        help_text="Lowest grade (0-100) that completes the course.",
    )

    class GradingMethod(models.TextChoices):
        ASSIGNMENT_AVERAGE = "assignment_average", "Average of the graded assignments"
        FINAL_GRADE = "final_grade", "A final grade set by the instructor"

    grading_method = models.CharField(
        max_length=32,
        choices=GradingMethod.choices,
        default=GradingMethod.ASSIGNMENT_AVERAGE,
        help_text="How the grade that must reach the passing grade is worked out.",
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Most learners admitted at once; empty for no limit.",
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="lms.CourseInstructor",
        related_name="taught_courses",
        blank=True,
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def outcome_list(self) -> list[str]:
        return [line.strip() for line in self.outcomes.splitlines() if line.strip()]

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self) -> None:
        """Open the course to the catalogue and to enrollment."""
        self.published_at = timezone.now()

    @transition(field=status, source=Status.PUBLISHED, target=Status.ARCHIVED)
    def archive(self) -> None:
        """Close the course to new enrollments; current learners keep their access."""


class CourseInstructor(models.Model):
    """An instructor assigned to teach a course; enrollments pick their instructor from these."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="course_assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "instructor"], name="lms_one_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.instructor} teaches {self.course}"


class Module(models.Model):
    """A chapter of a course: an ordered group of lessons."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        VIDEO = "video", "Video link"
        ASSIGNMENT = "assignment", "Assignment"
        LIVE_SESSION = "live_session", "Live session"

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)
    position = models.PositiveIntegerField(default=0)
    body = models.TextField(blank=True, help_text="The text, or the assignment's brief.")
    video_url = models.URLField(
        blank=True, help_text="A YouTube or Vimeo link; played in their privacy-enhanced player."
    )
    video_file = models.FileField(
        upload_to=lesson_video_path,
        blank=True,
        max_length=255,
        validators=[validate_video],
        help_text="Or an uploaded video (MP4, WebM, Ogg), streamed to enrolled learners only.",
    )
    is_preview = models.BooleanField(
        default=False, help_text="Anyone may open it from the course's sales page, free."
    )
    required = models.BooleanField(
        default=True, help_text="The learner must complete it to complete the course."
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Live sessions only.")
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)

    # A live session without a set duration is taken to last an hour.
    DEFAULT_SESSION_MINUTES = 60

    class Meta:
        ordering = ["module", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self) -> datetime | None:
        """When a live session ends: its start plus its duration."""
        if self.starts_at is None:
            return None
        minutes = self.duration_minutes or self.DEFAULT_SESSION_MINUTES
        return self.starts_at + timedelta(minutes=minutes)

    def session_phase(self, at: datetime) -> str:
        """Where a live session stands at ``at``: ``upcoming``, ``live`` (the window in which
        learners check in) or ``ended``; empty for other lessons."""
        if self.kind != self.Kind.LIVE_SESSION or self.starts_at is None:
            return ""
        if at < self.starts_at:
            return "upcoming"
        return "live" if at < self.ends_at else "ended"

    @property
    def embed_url(self) -> str | None:
        return embed_url(self.video_url) if self.video_url else None

    def clean(self) -> None:
        # Each kind needs its own content to be playable; refuse the lesson before it is saved.
        if self.kind == self.Kind.VIDEO and not (self.video_url or self.video_file):
            raise ValidationError(
                {"video_url": "A video lesson needs the video's address or an uploaded video."}
            )
        if self.video_url and embed_url(self.video_url) is None:
            raise ValidationError(
                {"video_url": "Paste a YouTube or Vimeo link to the video (e.g. youtu.be/…)."}
            )
        if self.kind == self.Kind.LIVE_SESSION and not self.starts_at:
            raise ValidationError({"starts_at": "A live session needs a start time."})


class LessonResource(models.Model):
    """A file learners download beside a lesson (slides, code, a workbook); served only to
    those who may open the lesson."""

    public_id = PublicIdField(prefix="res")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=lesson_resource_path, max_length=255)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["lesson", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def file_name(self) -> str:
        suffix = PurePath(self.file.name).suffix
        return f"{slugify(self.title) or 'resource'}{suffix}"
