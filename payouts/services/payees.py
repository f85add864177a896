"""The payee cache: names and emails of LMS users, kept by user sync."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from payouts.data import PayeeDetails
from payouts.models import CourseName, Payee
from payouts.services.inputs import require_id


@transaction.atomic
def payee_upsert(*, payee: PayeeDetails) -> Payee:
    """Create or refresh the cached name and email of a payee (idempotent).

    User sync events may arrive late: details stated before the ones already kept are ignored.
    """
    user_id = require_id(payee.user_id, "userId")
    details = {"name": payee.name or "", "email": payee.email or "", "synced_at": payee.synced_at}
    row, created = Payee.objects.select_for_update().get_or_create(
        user_id=user_id, defaults=details
    )
    stale = (
        payee.synced_at is not None
        and row.synced_at is not None
        and payee.synced_at < row.synced_at
    )
    if created or stale:
        return row
    for field, value in details.items():
        setattr(row, field, value)
    row.save()
    return row


@transaction.atomic
def course_name_upsert(*, course_id: str, title: str, synced_at: datetime) -> CourseName:
    """Create or refresh the cached title of a course; an older sync never overwrites a newer."""
    course_id = require_id(course_id, "courseId")
    row, created = CourseName.objects.select_for_update().get_or_create(
        course_id=course_id, defaults={"title": title[:200], "synced_at": synced_at}
    )
    if not created and row.synced_at <= synced_at:
        row.title, row.synced_at = title[:200], synced_at
        row.save(update_fields=["title", "synced_at"])
    return row
