from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "cadence.idempotency"
    label = "idempotency"
    verbose_name = "Idempotent API requests"
