"""Instructor interactions: recorded once per cause, each published for payouts."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from lms import events
from lms.data import InstructorInteractionRecorded
from lms.models import Enrollment, Interaction, User


@transaction.atomic
def interaction_record(
    *,
    enrollment: Enrollment,
    instructor: User,
    kind: str,
    amount: int,
    source_key: str,
    occurred_at: datetime,
) -> Interaction | None:
    """Record that ``instructor`` interacted with ``enrollment`` and publish it, once per cause.

    ``source_key`` names the cause (``assignment-graded:sub_…``); recording it again returns
    ``None`` and publishes nothing, so retries and double clicks count once.
    """
    if Interaction.objects.filter(source_key=source_key).exists():
        return None
    try:
        # A savepoint: a concurrent twin that won the unique key leaves this transaction usable.
        with transaction.atomic():
            interaction = Interaction.objects.create(
                enrollment=enrollment,
                instructor=instructor,
                kind=kind,
                amount=amount,
                source_key=source_key,
                occurred_at=occurred_at,
            )
    except IntegrityError:
        return None
    events.instructor_interaction_recorded.publish(
        InstructorInteractionRecorded(
            interaction_id=interaction.public_id,
            enrollment_id=enrollment.public_id,
            instructor_id=instructor.public_id,
            user_id=enrollment.user.public_id,
            course_id=enrollment.course.public_id,
            kind=kind,
            amount=amount,
            occurred_at=occurred_at,
            order_id=enrollment.external_order_id,
            order_item_id=enrollment.external_order_item_id,
        )
    )
    return interaction
