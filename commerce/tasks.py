"""Celery tasks of commerce: each loads by id and calls a service; safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from commerce.models import Refund
from commerce.services.orders import orders_pending_expire
from commerce.services.refunds import refund_send as refund_send_service


@shared_task(name="commerce.refund_send")
def refund_send(refund_id: str) -> str:
    return refund_send_service(refund_id=refund_id).state


@shared_task(name="commerce.refunds_retry")
def refunds_retry() -> int:
    """Send again the refunds left pending (a crash between commit and the processor call)."""
    stale = timezone.now() - timedelta(minutes=5)
    ids = list(
        Refund.objects.filter(state=Refund.State.PENDING, created_at__lt=stale).values_list(
            "public_id", flat=True
        )[:500]
    )
    for refund_id in ids:
        refund_send.delay(refund_id)
    return len(ids)


@shared_task(name="commerce.pending_orders_expire")
def pending_orders_expire() -> int:
    """Cancel abandoned checkouts so that they stop holding seats and coupon uses."""
    return orders_pending_expire(
        older_than=timedelta(minutes=settings.COMMERCE_PENDING_ORDER_MINUTES)
    )
