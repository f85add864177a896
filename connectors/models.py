import fnmatch
import secrets

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, transition

from cadence.kernel.public_ids import PublicIdField
from connectors.encryption import signing_secret_decrypt, signing_secret_encrypt


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
        # The reconciliation report reads every context's money; re-delivering acts on them.
        permissions = [
            ("view_reconciliation", "Can view the reconciliation report"),
            ("replay_outboxdelivery", "Can deliver dead or pending events again"),
        ]

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


class ConnectorScope(models.TextChoices):
    """What a connector key may do; each key holds only the scopes it was given."""

    CONNECTORS = "connectors", "call the connector endpoints"
    PAYOUTS_READ = "payouts:read", "read the payouts API"


def default_connector_scopes() -> list[str]:
    return [ConnectorScope.CONNECTORS.value]


def connector_scopes_validate(value) -> None:
    if not isinstance(value, list) or not all(isinstance(scope, str) for scope in value):
        raise ValidationError("must be a list of scope names")
    if not value:
        raise ValidationError("give the key at least one scope")
    unknown = [scope for scope in value if scope not in ConnectorScope.values]
    if unknown:
        raise ValidationError(
            f"unknown scope {unknown[0]!r}; known scopes: {', '.join(ConnectorScope.values)}"
        )


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
    scopes = models.JSONField(
        default=default_connector_scopes,
        validators=[connector_scopes_validate],
        help_text="What the key may do; a request outside its scopes is refused with 403.",
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

    Encrypted at rest (``connectors/encryption.py``), not hashed: verifying an HMAC needs the
    secret itself. A copy of the database alone neither holds it nor, since only a hash of the
    key is kept, the key every request must also carry. After a rotation the old secret keeps
    working until ``expires_at``, so the sender can switch over.
    """

    key = models.ForeignKey(ConnectorKey, on_delete=models.CASCADE, related_name="signing_secrets")
    secret_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"signing secret of {self.key.name} from {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def secret(self) -> str:
        return signing_secret_decrypt(self.secret_encrypted)


class InboundRequest(models.Model):
    """A request an outside system made to a connector endpoint, and the answer it was given.

    One per connector key, endpoint and natural key (orderId + orderItemId, enrollmentId +
    event): a repeat by the same key with the same payload gets the recorded answer and has no
    second effect; a repeat with a different payload is refused. Another key sending the same
    natural key is a request of its own, never answered from this key's record. Recorded in the
    transaction of the effect, so a refused request (a validation error) leaves nothing behind
    and may be sent again corrected.

    A request sent with ``Prefer: respond-async`` is recorded when it is accepted, with its body
    (``request_body``, without the key) and no answer yet; a worker runs its effect and records
    the answer, which the caller reads at the address named by ``public_id``. A refusal found
    then is recorded as the answer too, and the record's natural key is set aside (suffixed with
    its public id) so that, as in the synchronous mode, the request may be sent again corrected.
    """

    # Null only for records made before records were kept per key and whose key is gone.
    connector_key = models.ForeignKey(
        ConnectorKey, on_delete=models.PROTECT, null=True, related_name="inbound_requests"
    )
    endpoint = models.CharField(max_length=100)
    natural_key = models.CharField(max_length=300)
    payload_hash = models.CharField(max_length=64)
    payload = models.JSONField()
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    public_id = PublicIdField(prefix="inr")
    # What an accepted ``Prefer: respond-async`` request asked for, processed later (null for a
    # request answered at once). Its JSON numbers (read as ``Decimal``) are kept as decimal
    # strings, which every amount field accepts as the same amount.
    request_body = models.JSONField(null=True, editable=False, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connector_key", "endpoint", "natural_key"],
                name="inbound_request_once_per_key_and_natural_key",
            ),
        ]
        indexes = [
            # The requests a worker still has to answer, oldest first: few, among very many.
            models.Index(
                fields=["id"],
                name="inbound_request_waiting",
                condition=models.Q(request_body__isnull=False, response_status__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.natural_key}"


class OutsideRecord(models.Model):
    """An order, order item or enrollment an outside system created, and the key of that system.

    Written the first time a key's accepted request names the id, in the transaction of the
    request's effect; from then on only that key may act on it. What Cadence itself sold or
    enrolled is never recorded here: commerce and the LMS know it, and no key may act on it.
    """

    class Kind(models.TextChoices):
        ORDER = "order", "order"
        ORDER_ITEM = "order_item", "order item"
        ENROLLMENT = "enrollment", "enrollment"

    connector_key = models.ForeignKey(
        ConnectorKey, on_delete=models.PROTECT, related_name="outside_records"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    record_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="outside_record_one_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.record_id} of {self.connector_key.name}"


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_webhook_secret_encrypted() -> str:
    return signing_secret_encrypt(new_webhook_secret())


class WebhookSubscription(models.Model):
    """An outside system that wants some of Cadence's events, POSTed and signed to its URL."""

    public_id = PublicIdField(prefix="whs")
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, help_text="Where events are POSTed (http or https).")
    event_types = models.TextField(
        blank=True,
        help_text=(
            "One event type per line, e.g. cadence.lms.enrollment.approved.v1; "
            "a * matches any part (cadence.lms.*). Empty: every event."
        ),
    )
    # Encrypted at rest like a connector key's signing secrets; staff read it on the admin page.
    secret_encrypted = models.TextField(default=new_webhook_secret_encrypted, editable=False)
    # After a rotation the old secret signs too (a second v2 and v1) until the receiver switched.
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def wants(self, event_type: str) -> bool:
        patterns = self.event_type_patterns()
        return not patterns or any(fnmatch.fnmatchcase(event_type, p) for p in patterns)

    def event_type_patterns(self) -> list[str]:
        return [line.strip() for line in self.event_types.splitlines() if line.strip()]

    @property
    def secret(self) -> str:
        """Give it to the receiver: each request is signed with it (X-Cadence-Signature)."""
        return signing_secret_decrypt(self.secret_encrypted)

    @property
    def previous_secret(self) -> str:
        if not self.previous_secret_encrypted:
            return ""
        return signing_secret_decrypt(self.previous_secret_encrypted)

    def signing_secrets(self, at) -> list[str]:
        current = [self.secret]
        if self.previous_secret and (
            self.previous_secret_expires_at is None or self.previous_secret_expires_at > at
        ):
            current.append(self.previous_secret)
        return current


class WebhookDelivery(models.Model):
    """One event on its way to one subscription, with the exact body that is signed and sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Dead: gave up after the last retry"

    public_id = PublicIdField(prefix="whd")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=120)
    body = models.TextField()
    status = FSMField(default=Status.PENDING, choices=Status.choices, protected=True)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts since the delivery was created or last replayed."
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]
        verbose_name_plural = "webhook deliveries"
        permissions = [("replay_webhookdelivery", "Can send webhook deliveries again")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription.name} ({self.status})"

    @transition(field=status, source=Status.PENDING, target=Status.DELIVERED)
    def mark_delivered(self, *, at) -> None:
        self.delivered_at = at

    @transition(field=status, source=Status.PENDING, target=Status.DEAD)
    def give_up(self) -> None:
        pass

    @transition(field=status, source=[Status.DEAD, Status.DELIVERED], target=Status.PENDING)
    def replay(self, *, at) -> None:
        self.attempts = 0
        self.next_attempt_at = at
        self.delivered_at = None


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back, how long it took, or what went wrong."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempts_made"
    )
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    error = models.TextField(blank=True)
    response_snippet = models.TextField(blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "no answer"
        return f"attempt at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {outcome}"
