"""Connector 1: commerce ``order.paid`` → an LMS enrollment request per paid item.

The whole order is one delivery: its items' requests are made in one transaction (so a
redelivery, or a retry after one item failed, repeats them all, and each is idempotent per order
item). ``payment.completed`` (one item), which ``order.paid`` replaced, is still handled under the
same consumer name for the events of it already queued.

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
from commerce.data import OrderPaid, PaymentCompleted
from commerce.events import order_paid, payment_completed
from connectors import registry
from lms import api as lms_api
from lms.data import PendingEnrollmentRequest, PurchaseMetadata

CONSUMER = "lms:enrollment-request"


@registry.subscribe(order_paid, name=CONSUMER)
def enrollment_requests_on_order_paid(envelope: EventEnvelope) -> None:
    """Ask the LMS for the pending enrollments the order's items paid for, all at once
    (idempotent per order item); refund each item the LMS refuses for good."""
    order: OrderPaid = envelope.payload
    outcomes = lms_api.enrollment_requests(
        [pending_enrollment_request(paid) for paid in order.items]
    )
    refused = [
        (paid, outcome)
        for paid, outcome in zip(order.items, outcomes, strict=True)
        if isinstance(outcome, ApplicationError)
    ]
    # A refusal that may pass fails the delivery before any item is refunded, so that the
    # retry finds the order as it was.
    for _paid, refusal in refused:
        if refusal.code not in lms_api.ENROLLMENT_REFUSED_FOR_GOOD:
            raise refusal
    for paid, refusal in refused:
        _refused_for_good_refund(paid, refusal)


@registry.subscribe(payment_completed, name=CONSUMER)
def enrollment_request_on_payment(envelope: EventEnvelope) -> None:
    """One paid item (an event queued before ``order.paid``): its pending enrollment, or its
    refund if the LMS refuses it for good."""
    paid: PaymentCompleted = envelope.payload
    try:
        lms_api.enrollment_request(pending_enrollment_request(paid))
    except ApplicationError as refusal:
        _refused_for_good_refund(paid, refusal)


def _refused_for_good_refund(paid: PaymentCompleted, refusal: ApplicationError) -> None:
    """Refund the item the LMS will never enroll; any other refusal fails the delivery."""
    if refusal.code not in lms_api.ENROLLMENT_REFUSED_FOR_GOOD:
        raise refusal
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
