"""The LMS's background work: load by id, call a service."""

from celery import shared_task

from lms import services


@shared_task(name="lms.enrollment_auto_approve")
def enrollment_auto_approve_task(enrollment_pk: int) -> str:
    """Run the approval workflow of an ``autoApprove`` enrollment request (safe to repeat)."""
    return services.enrollment_auto_approve(enrollment_pk=enrollment_pk).state
