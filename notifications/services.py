"""Writes: make a notification (once), mark notifications read, save preferences."""

from __future__ import annotations

from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from cadence.kernel.rows import insert_unless_present
from notifications import selectors
from notifications.data import NotificationRequest
from notifications.kinds import ESSENTIAL, OPTIONAL, Kind, words_for
from notifications.models import Notification, NotificationPreference


class NotificationsError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def notification_create(*, request: NotificationRequest) -> bool:
    """Record the notification and, after commit, send its email; whether a notification
    exists for it.

    Once per recipient, kind and subject: a second delivery of the same fact leaves the first
    notification as it is and sends nothing. A kind the recipient turned off makes nothing.
    """
    if request.kind not in Kind.values:
        raise NotificationsError(f"unknown kind {request.kind!r}", field="kind")
    recipient = request.recipient
    words = words_for(request.kind, request.facts)
    notification = Notification(
        recipient_id=recipient.user_id,
        recipient_email=recipient.email,
        recipient_name=recipient.name,
        kind=request.kind,
        subject_id=request.subject_id,
        title=words.title[:200],
        body=words.body,
        link=request.link,
    )
    # One statement, no savepoint: a notification already there (a redelivered event) or being
    # made by a concurrent delivery is left as it is, and the recipient's turning the kind off
    # is read inside it.
    if not insert_unless_present(
        notification,
        unique=("recipient_id", "kind", "subject_id"),
        unless=selectors.turned_off(user_id=recipient.user_id, kind=request.kind),
    ):
        return selectors.is_wanted(user_id=recipient.user_id, kind=request.kind)
    # One more unread once committed: counted on in the cache, not recounted in SQL.
    transaction.on_commit(partial(selectors.unread_count_add_one, user_id=recipient.user_id))
    transaction.on_commit(partial(_email_send, notification.pk))
    return True


def _email_send(notification_pk: int) -> None:
    from notifications.tasks import notification_email_send  # tasks import these services

    notification_email_send.delay(notification_pk)


@transaction.atomic
def notifications_mark_read(*, user_id: str, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user_id`` read."""
    unread = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    marked = unread.update(read_at=timezone.now())
    _count_refresh(user_id)
    return marked


def _count_refresh(user_id: str) -> None:
    """Cache the count now (as this transaction sees it) and again once it is committed, so
    that a rollback or a concurrent change never leaves the header wrong for long."""
    selectors.unread_count_refresh(user_id=user_id)
    transaction.on_commit(partial(selectors.unread_count_refresh, user_id=user_id))


@transaction.atomic
def preferences_save(*, user_id: str, enabled_kinds: set[str]) -> None:
    """Turn the optional kinds in ``enabled_kinds`` on and the other optional kinds off."""
    unknown = enabled_kinds - set(Kind.values)
    if unknown:
        raise NotificationsError(f"unknown kind {sorted(unknown)[0]!r}", field="kinds")
    for kind in OPTIONAL:
        NotificationPreference.objects.update_or_create(
            user_id=user_id, kind=kind, defaults={"enabled": kind in enabled_kinds}
        )


def email_claim(*, notification_pk: int) -> Notification | None:
    """Claim the notification's email with one conditional UPDATE, so that two workers (or a
    redelivered task) never send it twice; ``None`` when it was already sent."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    claimed = Notification.objects.raw(
        f"UPDATE {table} SET emailed_at = %s WHERE id = %s AND emailed_at IS NULL RETURNING *",  # noqa: S608  (the table name is ours)
        [connection.ops.adapt_datetimefield_value(timezone.now()), notification_pk],
    )
    return next(iter(claimed), None)


__all__ = ["ESSENTIAL", "NotificationsError", "notification_create"]
