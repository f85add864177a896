"""The only functions other code (connectors) may call. Takes and returns ``data`` types."""

from __future__ import annotations

from notifications.data import NotificationRequest, Recipient
from notifications.kinds import Kind
from notifications.services import notification_create

KINDS = frozenset(Kind.values)

__all__ = ["KINDS", "NotificationRequest", "Recipient", "notify"]


def notify(request: NotificationRequest) -> bool:
    """Tell ``request.recipient`` about one fact, in the app and by email (after commit).

    Idempotent on recipient, kind and subject; returns whether a notification exists for it
    (``False`` when the recipient turned that kind off)."""
    return notification_create(request=request)
