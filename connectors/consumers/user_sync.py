"""User Sync: the LMS's people → commerce's CommerceUser cache."""

from __future__ import annotations

from cadence.kernel.events import EventEnvelope
from commerce import api as commerce_api
from connectors import registry
from lms.data import UserSynced
from lms.events import user_created, user_updated


def commerce_user_sync(envelope: EventEnvelope) -> None:
    """Upsert commerce's copy of the user as of the event; an older event never wins."""
    user: UserSynced = envelope.payload
    commerce_api.commerce_user_upsert(
        user_id=user.id, email=user.email, name=user.name, synced_at=envelope.occurred_at
    )


registry.subscribe(user_created, name="commerce:user-created")(commerce_user_sync)
registry.subscribe(user_updated, name="commerce:user-updated")(commerce_user_sync)
