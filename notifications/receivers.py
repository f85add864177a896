"""Warm the header's unread count when someone logs in, so that their pages read it cached."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from notifications.selectors import unread_count_refresh


@receiver(user_logged_in, dispatch_uid="notifications-unread-count-warm")
def unread_count_warm(sender, request, user, **kwargs) -> None:
    user_id = getattr(user, "public_id", None)
    if user_id:
        unread_count_refresh(user_id=user_id)
