"""Payouts' Celery tasks: load by id, call a service. Every one is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from payouts.services import batches, sales


@shared_task(name="payouts.payout_batch_run")
def payout_batch_run() -> int:
    return batches.payout_batch_run().pk


@shared_task(name="payouts.payout_send", autoretry_for=(Exception,), retry_backoff=True,
             max_retries=8)  # fmt: skip
def payout_send(payout_id: int) -> str:
    return batches.payout_send(payout_id=payout_id).status


@shared_task(name="payouts.payouts_resend_unfinished")
def payouts_resend_unfinished() -> int:
    """Hand over the unfinished payouts whose send is due: new ones, and those whose task was lost
    or whose worker died (sent again with the same idempotency key)."""
    return batches.payouts_send_due()


@shared_task(name="payouts.held_revenue_forfeit")
def held_revenue_forfeit() -> int:
    now = timezone.now()
    due = sales.held_sales_due_for_forfeit(now=now)
    for sale_id in due:
        sales.sale_forfeit_due(sale_id=sale_id, now=now)
    return len(due)
