"""Processor webhooks: verified, deduplicated by event id, applied idempotently.

A processor may deliver an event more than once, at the same time, late or out of order. The
event is verified first (signature and age, nothing written otherwise); then its id goes into the
processed-event log in the same transaction as its effect, so concurrent deliveries of one event
have one effect (the unique constraint makes the others wait and then see the duplicate). The
effects themselves are idempotent too, so the same fact reported by two different events (a
confirm call and a webhook) is also recorded once.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from commerce.models import Payment, ProcessorEvent, Refund
from commerce.processors import base, processor_named
from commerce.processors.base import PaymentResult, WebhookEvent
from commerce.services.payments import payment_reference_record, payment_result_record
from commerce.services.refunds import refund_record_result

logger = logging.getLogger(__name__)

# What a payment event other than a success reports, as a payment status.
_PAYMENT_STATUSES = {
    base.PAYMENT_FAILED: "failed",
    base.PAYMENT_CANCELLED: "failed",
    base.PAYMENT_REQUIRES_ACTION: "requires_action",
}
REFUND_KINDS = {base.REFUND_UPDATED, base.REFUND_FAILED}


def processor_webhook_receive(*, processor_name: str, body: bytes, headers: dict[str, str]) -> str:
    """Verify and apply one webhook delivery. Returns ``processed``, ``duplicate`` or ``ignored``.

    Raises ``WebhookRejected`` (and writes nothing) for a tampered, stale or unsigned delivery.
    """
    processor = processor_named(processor_name)
    event = processor.parse_webhook(body=body, headers=headers)
    if ProcessorEvent.objects.filter(processor=processor_name, event_id=event.event_id).exists():
        return "duplicate"
    result = event.payment_result
    if event.kind == base.PAYMENT_SUCCEEDED and result is None:
        # The event carries no fee; read the payment back (a network call) before opening the
        # transaction, so no lock is held while the processor answers.
        result = processor.confirm_payment(reference=event.payment_reference)
    try:
        with transaction.atomic():
            ProcessorEvent.objects.create(
                processor=processor_name, event_id=event.event_id, event_type=event.event_type
            )
            return _apply(processor_name, event, result)
    except IntegrityError:
        return "duplicate"


def _apply(processor_name: str, event: WebhookEvent, result: PaymentResult | None) -> str:
    if event.kind == base.PAYMENT_SUCCEEDED or event.kind in _PAYMENT_STATUSES:
        payment = _payment_for(processor_name, event)
        if payment is None:
            logger.warning("%s event %s for an unknown payment", processor_name, event.event_id)
            return "ignored"
        # Learnt from the processor only (the browser never came back after paying).
        payment_reference_record(
            payment_id=payment.public_id,
            reference=event.payment_reference,
            succeeded=event.kind == base.PAYMENT_SUCCEEDED,
        )
        if result is None or event.kind != base.PAYMENT_SUCCEEDED:
            result = PaymentResult(
                reference=event.payment_reference,
                status=_PAYMENT_STATUSES[event.kind],
                failure_code=event.failure_code,
                failure_message=event.failure_message,
            )
        payment_result_record(payment_id=payment.public_id, result=result)
        return "processed"
    if event.kind in REFUND_KINDS:
        refund = _refund_for(processor_name, event)
        if refund is None:
            return "ignored"
        status = "failed" if event.kind == base.REFUND_FAILED else event.refund_status
        refund_record_result(
            refund_id=refund.public_id,
            status=status,
            processor_reference=event.refund_reference,
            failure_message=event.failure_message,
        )
        return "processed"
    return "ignored"


def _payment_for(processor_name: str, event: WebhookEvent) -> Payment | None:
    if event.payment_id:
        payment = Payment.objects.filter(public_id=event.payment_id, processor=processor_name)
        if payment.exists():
            return payment.first()
    if not event.payment_reference:
        return None
    return Payment.objects.filter(
        processor=processor_name, processor_reference=event.payment_reference
    ).first()


def _refund_for(processor_name: str, event: WebhookEvent) -> Refund | None:
    if event.refund_id:
        refund = Refund.objects.filter(public_id=event.refund_id).first()
        if refund is not None:
            return refund
    if not event.refund_reference:
        return None
    return Refund.objects.filter(
        payment__processor=processor_name, processor_reference=event.refund_reference
    ).first()
