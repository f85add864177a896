"""Connector 1: commerce ``payment.completed`` → an LMS enrollment request per paid item.

When the LMS refuses the request for good (the course is no longer published, the account was
deactivated since the payment), retrying would only end in a dead letter while the learner waits
for a course they can never have: the item is refunded as a rejection would refund it, and the
learner is told the LMS's reason. Any other refusal is retried.
"""

from __future__ import annotations

from cadence.kernel.errors import ApplicationError
from cadence.kernel.events import EventEnvelope
from cadence.kernel.money import Money
from commerce import api as commerce_api
from commerce.data import PaymentCompleted
from commerce.events import payment_completed
from connectors import registry
from lms import api as lms_api
from lms.data import PendingEnrollmentRequest, PurchaseMetadata

CONSUMER = "lms:enrollment-request"


@registry.subscribe(payment_completed, name=CONSUMER)
def enrollment_request_on_payment(envelope: EventEnvelope) -> None:
    """Ask the LMS for the pending enrollment the item paid for (idempotent per order item);
    refund the item if the LMS refuses it for good."""
    paid: PaymentCompleted = envelope.payload
    try:
        lms_api.enrollment_request(pending_enrollment_request(paid))
    except ApplicationError as refusal:
        if refusal.code not in lms_api.ENROLLMENT_REFUSED_FOR_GOOD:
            raise
        commerce_api.order_item_enrollment_rejected(
            order_item_id=paid.order_item_id,
            enrollment_id="",
            reason=f"the LMS refused the enrollment ({refusal.field}: {refusal.message})",
        )


def pending_enrollment_request(paid: PaymentCompleted) -> PendingEnrollmentRequest:
    """The spec's PendingEnrollmentRequest for one paid order item.

    Commerce speaks minor units; the LMS takes the purchase amount in major units as the spec's
    body carries it, so the amount crosses as an exact decimal string ("199.00").
    """
    purchase = paid.purchase_metadata
    return PendingEnrollmentRequest(
        external_order_id=paid.order_id,
        external_order_item_id=paid.order_item_id,
        user_id=paid.user_id,
        course_id=paid.course_id,
        instructor_id=paid.instructor_id,
        approval_status="pending",
        auto_approve=paid.auto_approve,
        metadata=PurchaseMetadata(
            purchase_date=purchase.purchase_date,
            amount=Money(purchase.amount, purchase.currency).to_decimal_string(),
            currency=purchase.currency,
        ),
    )
