"""The LMS's background work: load by id, call a service."""

import logging

from celery import shared_task

from lms import services
from lms.services import api_tokens

logger = logging.getLogger(__name__)


@shared_task(name="lms.enrollment_auto_approve")
def enrollment_auto_approve_task(enrollment_pk: int) -> str:
    """Run the approval workflow of an ``autoApprove`` enrollment request (safe to repeat)."""
    return services.enrollment_auto_approve(enrollment_pk=enrollment_pk).state


@shared_task(name="lms.enrollments_auto_approve")
def enrollments_auto_approve_task(enrollment_pks: list[int]) -> list[str]:
    """The approval workflow of the ``autoApprove`` enrollments one request made (safe to
    repeat)."""
    return services.enrollments_auto_approve(enrollment_pks=enrollment_pks)


@shared_task(name="lms.submission_files_sweep")
def submission_files_sweep_task() -> int:
    """Delete submission files left behind by uploads whose transaction rolled back."""
    deleted = services.submission_files_sweep()
    if deleted:
        logger.info("deleted %d unreferenced submission file(s)", len(deleted))
    return len(deleted)


@shared_task(name="lms.api_tokens_flush_expired")
def api_tokens_flush_expired_task() -> int:
    """Forget the records of refresh tokens past their expiry (they are refused anyway)."""
    return api_tokens.expired_tokens_flush()
