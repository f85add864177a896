"""The payee cache: names and emails of LMS users, kept by user sync."""

from __future__ import annotations

from django.db import transaction

from payouts.data import PayeeDetails
from payouts.models import Payee
from payouts.services.inputs import require_id


@transaction.atomic
def payee_upsert(*, payee: PayeeDetails) -> Payee:
    """Create or refresh the cached name and email of a payee (idempotent)."""
    user_id = require_id(payee.user_id, "userId")
    row, _ = Payee.objects.update_or_create(
        user_id=user_id, defaults={"name": payee.name or "", "email": payee.email or ""}
    )
    return row
