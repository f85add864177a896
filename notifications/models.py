"""Notifications kept for the in-app list, and each person's choices about them.

People are referred to by their public user id (``usr_…``): notifications keep no foreign key to
the LMS's users, whose context they do not know. The recipient's address and name are copied in
when the notification is made, so that its email needs nothing else.
"""

from django.db import models

from notifications.kinds import Kind


class Notification(models.Model):
    recipient_id = models.CharField(max_length=64)
    recipient_email = models.EmailField(blank=True)
    recipient_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What it is about (an order, enrollment, refund, payout id): with recipient and kind, the
    # natural key that keeps a redelivered event from notifying twice.
    subject_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_id", "kind", "subject_id"],
                name="notification_once_per_subject",
            )
        ]
        indexes = [
            models.Index(fields=["recipient_id", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """A kind someone turned off (no row: on)."""

    user_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'on' if self.enabled else 'off'}"
