import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="cadence.heartbeat")
def heartbeat() -> str:
    """A scheduled no-op whose log line shows that beat and a worker are alive."""
    logger.info("cadence heartbeat")
    return "ok"
