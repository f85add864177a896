from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """An event as it was published, stored in the transaction of the fact it states."""

    event_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=120, db_index=True)
    payload = models.JSONField()
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class OutboxDelivery(models.Model):
    """One event on its way to one consumer: retried with backoff until delivered or dead."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Dead-lettered"

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    consumer = models.CharField(max_length=120)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "consumer"], name="outbox_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        verbose_name_plural = "outbox deliveries"

    def __str__(self) -> str:
        return f"{self.event.event_type} → {self.consumer} ({self.status})"


class ProcessedEvent(models.Model):
    """A consumer has had its effect for this event: a second delivery is a no-op."""

    consumer = models.CharField(max_length=120)
    event_id = models.CharField(max_length=40)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="processed_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} ← {self.event_id}"


class ConnectorKey(models.Model):
    """A system API key of an outside system calling the connector endpoints.

    Only a SHA-256 hash of the key is kept, with a short non-secret prefix to find the row; the key
    itself is shown once, when it is created. A key carries at least one signing secret; requests
    must be signed with one of them as well as carry the key.
    """

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=24, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    requests_per_minute = models.PositiveIntegerField(
        default=120, help_text="Requests this key may make per minute before it is told to wait."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ConnectorSigningSecret(models.Model):
    """A secret a connector key signs its requests with.

    Stored as given: verifying an HMAC needs the secret itself, and a secret alone opens nothing,
    because every request must also carry the key, of which only a hash is stored. After a
    rotation the old secret keeps working until ``expires_at``, so the sender can switch over.
    """

    key = models.ForeignKey(ConnectorKey, on_delete=models.CASCADE, related_name="signing_secrets")
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"signing secret of {self.key.name} from {self.created_at:%Y-%m-%d %H:%M}"


class InboundRequest(models.Model):
    """A request an outside system made to a connector endpoint, and the answer it was given.

    One per endpoint and natural key (orderId + orderItemId, enrollmentId + event): a repeat with
    the same payload gets the recorded answer and has no second effect; a repeat with a different
    payload is refused. Recorded in the transaction of the effect, so a refused request (a
    validation error) leaves nothing behind and may be sent again corrected.
    """

    endpoint = models.CharField(max_length=100)
    natural_key = models.CharField(max_length=300)
    payload_hash = models.CharField(max_length=64)
    payload = models.JSONField()
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    connector_key_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "natural_key"], name="inbound_request_once_per_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.natural_key}"
