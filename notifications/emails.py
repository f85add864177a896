"""The email of a notification: an HTML and a plain-text part from the site's templates."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.kinds import ESSENTIAL
from notifications.models import Notification


def notification_email_build(notification: Notification) -> EmailMultiAlternatives:
    site = settings.SITE_URL.rstrip("/")
    context = {
        "notification": notification,
        "name": notification.recipient_name,
        "link": f"{site}{notification.link}" if notification.link else "",
        "preferences_url": f"{site}{reverse('notifications:preferences')}",
        "essential": notification.kind in ESSENTIAL,
    }
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=render_to_string("notifications/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient_email],
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context), "text/html"
    )
    return message
