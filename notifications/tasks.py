"""Celery tasks of notifications: each loads by id and calls a service; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from notifications.emails import notification_email_build
from notifications.services import email_claim


@shared_task(name="notifications.email_send")
def notification_email_send(notification_pk: int) -> bool:
    notification = email_claim(notification_pk=notification_pk)
    if notification is None or not notification.recipient_email:
        return False
    notification_email_build(notification).send()
    return True
