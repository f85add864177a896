"""Processor webhooks: verified, deduplicated by event id, applied idempotently.

Stripe may deliver an event more than once, at the same time, late or out of order. The event is
verified first (signature and age, nothing written otherwise); then its id goes into the
processed-event log in the same transaction as its effect, so concurrent deliveries of one event
have one effect (the unique constraint makes the others wait and then see the duplicate). The
effects themselves are idempotent too, so the same fact reported by two different events (a
confirm call and a webhook) is also recorded once.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from commerce.models import Payment, ProcessorEvent, Refund
from commerce.processors import processor_named
from commerce.processors.base import PaymentResult, WebhookEvent
from commerce.services.payments import payment_result_record
from commerce.services.refunds import refund_record_result

logger = logging.getLogger(__name__)

# What each payment event says about the payment: Stripe's names, and the processor-neutral ones
# that the Square and Elavon adapters translate their notifications into.
PAYMENT_EVENT_STATUS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.requires_action": "requires_action",
    "payment_intent.canceled": "failed",
    "payment.succeeded": "succeeded",
    "payment.failed": "failed",
}
PAYMENT_EVENTS = set(PAYMENT_EVENT_STATUS)
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed"}


def processor_webhook_receive(*, processor_name: str, body: bytes, headers: dict[str, str]) -> str:
    """Verify and apply one webhook delivery. Returns ``processed``, ``duplicate`` or ``ignored``.

    Raises ``WebhookRejected`` (and writes nothing) for a tampered, stale or unsigned delivery.
    """
    processor = processor_named(processor_name)
    event = processor.parse_webhook(body=body, headers=headers)
    if ProcessorEvent.objects.filter(processor=processor_name, event_id=event.event_id).exists():
        return "duplicate"
    result = None
    if PAYMENT_EVENT_STATUS.get(event.event_type) == "succeeded":
        # The event carries no fee; read the PaymentIntent's balance transaction (network call)
        # before opening the transaction, so no lock is held while Stripe answers.
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
    if event.event_type in PAYMENT_EVENTS:
        payment = _payment_for(processor_name, event)
        if payment is None:
            logger.warning("%s event %s for an unknown payment", processor_name, event.event_id)
            return "ignored"
        if event.payment_reference and not payment.processor_reference:
            # Learnt from the processor (the browser never came back after paying).
            Payment.objects.filter(pk=payment.pk, processor_reference="").update(
                processor_reference=event.payment_reference
            )
        if result is None:
            result = PaymentResult(
                reference=event.payment_reference,
                status=PAYMENT_EVENT_STATUS[event.event_type],
                failure_code=event.failure_code,
                failure_message=event.failure_message,
            )
        payment_result_record(payment_id=payment.public_id, result=result)
        return "processed"
    if event.event_type in REFUND_EVENTS and (event.refund_id or event.refund_reference):
        refund = _refund_for(processor_name, event)
        if refund is None:
            return "ignored"
        status = "failed" if event.event_type == "refund.failed" else event.refund_status
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
    return Payment.objects.filter(
        processor=processor_name, processor_reference=event.payment_reference
    ).first()


def _refund_for(processor_name: str, event: WebhookEvent) -> Refund | None:
    """Our refund: by its id when the processor echoes it (Stripe's metadata), else by the
    processor's own refund id that we recorded when it answered (Square)."""
    if event.refund_id:
        return Refund.objects.filter(public_id=event.refund_id).first()
    return Refund.objects.filter(
        payment__processor=processor_name, processor_reference=event.refund_reference
    ).first()
