from celery import shared_task

from cadence.idempotency.services import expired_keys_delete


@shared_task(name="cadence.idempotency_keys_expire")
def idempotency_keys_expire_task() -> int:
    """Forget the Idempotency-Keys older than ``IDEMPOTENCY_KEY_HOURS``."""
    return expired_keys_delete()
