"""Instructor interactions: counts from interaction events, and manual verification by staff."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payouts.data import InstructorInteractionRecorded
from payouts.errors import PayoutsConflict, PayoutsError
from payouts.models import InstructorEngagement, InstructorInteraction, Sale
from payouts.services.inputs import require_id, require_moment
from payouts.services.sales import sale_reconcile

COUNTERS = {
    InstructorInteraction.Kind.DISCUSSION_REPLY: "discussion_replies",
    InstructorInteraction.Kind.ASSIGNMENT_GRADED: "assignments_graded",
    InstructorInteraction.Kind.LIVE_SESSION: "live_session_minutes",
}


def _locked_engagement(*, enrollment_id: str, instructor_id: str) -> InstructorEngagement:
    try:
        with transaction.atomic():
            InstructorEngagement.objects.get_or_create(
                enrollment_id=enrollment_id, instructor_id=instructor_id
            )
    except IntegrityError:
        pass
    return InstructorEngagement.objects.select_for_update().get(
        enrollment_id=enrollment_id, instructor_id=instructor_id
    )


def _sales_reconcile(enrollment_id: str, now: datetime | None) -> None:
    for sale in Sale.objects.select_for_update().filter(enrollment_id=enrollment_id).order_by("id"):
        sale_reconcile(sale=sale, now=now)


@transaction.atomic
def interaction_record(
    *, interaction: InstructorInteractionRecorded, now: datetime | None = None
) -> InstructorEngagement:
    """Count one instructor interaction, once per interactionId, and release held revenue."""
    interaction_id = require_id(interaction.interaction_id, "interactionId")
    enrollment_id = require_id(interaction.enrollment_id, "enrollmentId")
    instructor_id = require_id(interaction.instructor_id, "instructorId")
    if interaction.kind not in COUNTERS:
        allowed = ", ".join(COUNTERS)
        raise PayoutsError(f"must be one of {allowed}", field="kind")
    amount = interaction.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PayoutsError("must be a whole number above zero", field="amount")
    occurred_at = require_moment(interaction.occurred_at, "occurredAt")

    engagement = _locked_engagement(enrollment_id=enrollment_id, instructor_id=instructor_id)
    existing = InstructorInteraction.objects.filter(interaction_id=interaction_id).first()
    if existing is not None:
        if (existing.engagement_id, existing.kind, existing.amount) != (
            engagement.pk,
            interaction.kind,
            amount,
        ):
            raise PayoutsConflict(
                f"interaction {interaction_id} was already recorded differently",
                field="interactionId",
            )
        return engagement
    InstructorInteraction.objects.create(
        interaction_id=interaction_id,
        engagement=engagement,
        kind=interaction.kind,
        amount=amount,
        occurred_at=occurred_at,
    )
    counter = COUNTERS[interaction.kind]
    InstructorEngagement.objects.filter(pk=engagement.pk).update(**{counter: F(counter) + amount})
    _sales_reconcile(enrollment_id, now)
    return InstructorEngagement.objects.get(pk=engagement.pk)


@transaction.atomic
def engagement_verify(
    *, enrollment_id: str, instructor_id: str, verified_by: str, now: datetime | None = None
) -> InstructorEngagement:
    """Staff confirm by hand that the instructor interacted with the learner (who and when kept)."""
    enrollment_id = require_id(enrollment_id, "enrollmentId")
    instructor_id = require_id(instructor_id, "instructorId")
    verified_by = require_id(verified_by, "verifiedBy")
    engagement = _locked_engagement(enrollment_id=enrollment_id, instructor_id=instructor_id)
    if not engagement.manually_verified:
        engagement.manually_verified = True
        engagement.verified_by = verified_by
        engagement.verified_at = now or timezone.now()
        engagement.save()
    _sales_reconcile(enrollment_id, now)
    return engagement
