from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

KEY_MAX_LENGTH = 255


class IdempotentRequest(models.Model):
    """One caller's use of one ``Idempotency-Key``: in flight, then the answer it got.

    ``owner`` scopes keys to a caller (``user:<public id>``, or ``session:<digest>`` for a
    visitor); ``fingerprint`` is the digest of the method, endpoint, path and body, so that the
    key reused with another request is told apart. Rows are kept until ``expires_at``.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        COMPLETED = "completed"

    owner = models.CharField(max_length=100)
    key = models.CharField(max_length=KEY_MAX_LENGTH)
    endpoint = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_FLIGHT)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_once_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key} ({self.state})"
