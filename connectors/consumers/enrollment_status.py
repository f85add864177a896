"""Connector 2: the LMS's decision on an enrollment → commerce's order item.

Approval fulfils the item; rejection refunds it. Enrollments made without a purchase (staff,
demo) carry no order item and concern commerce not at all.
"""

from __future__ import annotations

from cadence.kernel.events import EventEnvelope
from commerce import api as commerce_api
from connectors import registry
from lms.data import EnrollmentApproved, EnrollmentRejected
from lms.events import enrollment_approved, enrollment_rejected

APPROVED_CONSUMER = "commerce:enrollment-approved"
REJECTED_CONSUMER = "commerce:enrollment-rejected"


@registry.subscribe(enrollment_approved, name=APPROVED_CONSUMER)
def order_item_fulfil_on_approval(envelope: EventEnvelope) -> None:
    """Mark the paid order item fulfilled; retried until commerce knows the item."""
    approved: EnrollmentApproved = envelope.payload
    if not approved.order_item_id:
        return
    commerce_api.order_item_enrollment_approved(
        order_item_id=approved.order_item_id, enrollment_id=approved.enrollment_id
    )


@registry.subscribe(enrollment_rejected, name=REJECTED_CONSUMER)
def order_item_refund_on_rejection(envelope: EventEnvelope) -> None:
    """Refund the paid order item, telling the learner the LMS's reason."""
    rejected: EnrollmentRejected = envelope.payload
    if not rejected.order_item_id:
        return
    commerce_api.order_item_enrollment_rejected(
        order_item_id=rejected.order_item_id,
        enrollment_id=rejected.enrollment_id,
        reason=rejected.reason,
    )
