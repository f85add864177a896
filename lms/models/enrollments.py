from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cadence.kernel.public_ids import PublicIdField
from lms.models.courses import Course

APPROVE_PERMISSION = "lms.approve_enrollment"
COMPLETE_PERMISSION = "lms.complete_enrollment"
CANCEL_PERMISSION = "lms.cancel_enrollment"


# Transition conditions: pure functions of the enrollment, no writes, no outside state.
def course_is_published(enrollment: "Enrollment") -> bool:
    return enrollment.course.status == Course.Status.PUBLISHED


def grade_meets_passing_grade(enrollment: "Enrollment") -> bool:
    return enrollment.grade is not None and enrollment.grade >= enrollment.course.passing_grade


class Enrollment(ConcurrentTransitionMixin, models.Model):
    """A learner's place in a course, from request to completion (DESIGN §5).

    The state only changes through the transitions below, called by ``lms.services``; the
    concurrent-transition mixin makes a save fail if another process moved the state first.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"
        REVOKED = "revoked", "Revoked"

    class Source(models.TextChoices):
        COMMERCE = "commerce-platform", "Purchase"
        STAFF = "staff", "Staff"

    public_id = PublicIdField(prefix="enr")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instructed_enrollments",
    )
    state = FSMField(default=State.PENDING, choices=State.choices, protected=True, db_index=True)
    source = models.CharField(max_length=32, choices=Source.choices, default=Source.COMMERCE)
    # The order item that paid for this enrollment: the idempotency key of Connector 1. NULL, not
    # "", for enrollments without a purchase, so that the unique constraint leaves them alone.
    external_order_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    external_order_item_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    auto_approve_requested = models.BooleanField(default=False)
    purchased_at = models.DateTimeField(null=True, blank=True)
    purchase_amount_minor = models.BigIntegerField(null=True, blank=True)
    purchase_currency = models.CharField(max_length=3, blank=True)

    requested_at = models.DateTimeField(default=timezone.now, db_index=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # "auto-approval" or the approving staff member's public id, as Connector 2 reports it.
    approved_by = models.CharField(max_length=64, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was rejected, cancelled or revoked."
    )
    # For courses graded by a final grade: the instructor's grade, before completion makes it
    # the enrollment's ``grade``.
    final_grade = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    # Where the learner left off: the lesson they opened last, for the course page's "Resume".
    last_lesson = models.ForeignKey(
        "lms.Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_order_id", "external_order_item_id"],
                name="lms_one_enrollment_per_order_item",
            ),
        ]
        permissions = [
            ("approve_enrollment", "Can approve or reject enrollments"),
            ("complete_enrollment", "Can complete enrollments with a grade"),
            ("cancel_enrollment", "Can cancel or revoke enrollments"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"

    @transition(
        field=state,
        source=State.PENDING,
        target=State.APPROVED,
        conditions=[course_is_published],
        permission=APPROVE_PERMISSION,
        custom={"label": "Approve"},
    )
    def approve(self, *, by: str) -> None:
        self.approved_at = timezone.now()
        self.approved_by = by

    @transition(
        field=state,
        source=State.PENDING,
        target=State.REJECTED,
        permission=APPROVE_PERMISSION,
        custom={"label": "Reject", "needs_reason": True},
    )
    def reject(self) -> None:
        self.rejected_at = self.ended_at = timezone.now()

    @transition(field=state, source=State.APPROVED, target=State.IN_PROGRESS)
    def start(self) -> None:
        self.started_at = timezone.now()

    @transition(
        field=state,
        source=State.IN_PROGRESS,
        target=State.COMPLETED,
        conditions=[grade_meets_passing_grade],
        permission=COMPLETE_PERMISSION,
        custom={"label": "Complete", "needs_grade": True},
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(
        field=state,
        source=[State.PENDING, State.APPROVED, State.IN_PROGRESS],
        target=State.CANCELLED,
        permission=CANCEL_PERMISSION,
        custom={"label": "Cancel", "needs_reason": True},
    )
    def cancel(self) -> None:
        self.ended_at = timezone.now()

    @transition(
        field=state,
        source=State.COMPLETED,
        target=State.REVOKED,
        permission=CANCEL_PERMISSION,
        custom={"label": "Revoke", "needs_reason": True},
    )
    def revoke(self) -> None:
        self.ended_at = timezone.now()

    @property
    def next_step(self) -> str:
        """What happens next, in the learner's words."""
        return NEXT_STEPS[self.state]


NEXT_STEPS = {
    Enrollment.State.PENDING: "Waiting for approval: staff review your enrollment.",
    Enrollment.State.APPROVED: "Approved: start the course whenever you are ready.",
    Enrollment.State.IN_PROGRESS: "In progress: carry on where you left off.",
    Enrollment.State.COMPLETED: "Completed: well done.",
    Enrollment.State.REJECTED: "Not approved: contact support if you think this is a mistake.",
    Enrollment.State.CANCELLED: "Cancelled: you no longer have access to this course.",
    Enrollment.State.REVOKED: "Revoked after completion: the course was refunded.",
}


class EnrollmentTransition(models.Model):
    """One state change of an enrollment: the audit trail, written by every transition."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=32)
    source_state = models.CharField(max_length=16, choices=Enrollment.State.choices)
    target_state = models.CharField(max_length=16, choices=Enrollment.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The system that acted when no person did: "auto-approval", "refund", …
    actor_system = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.source_state} → {self.target_state}"

    @property
    def actor_label(self) -> str:
        return str(self.actor) if self.actor_id else self.actor_system


class EnrollmentInstructorChange(models.Model):
    """Who taught an enrollment and since when: one row per assignment or change."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="instructor_changes"
    )
    previous_instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_system = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.previous_instructor or 'nobody'} → {self.new_instructor or 'nobody'}"


class EnrollmentApproval(Enrollment):
    """The approvals queue: pending enrollments, as staff see them in the admin."""

    class Meta:
        proxy = True
        verbose_name = "pending enrollment"
        verbose_name_plural = "pending enrollments"
