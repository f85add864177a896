"""Refunds: commerce ``refund.completed`` → the LMS ends the enrollment the money paid for.

Only a full refund ends it (cancelled before completion, revoked with its certificate after).
A partial refund is a goodwill gesture or a price correction: the learner keeps access, so the
LMS is not told. Commerce says whether anything of the item is left (``item_fully_refunded``),
so a second partial refund that completes the first ends the enrollment then. The refund of an
item the LMS refused to enroll at all has no enrollment to end and is not passed on.
"""

from __future__ import annotations

from cadence.kernel.events import EventEnvelope
from commerce.data import REFUND_FOR_REFUSED_ENROLLMENT, RefundCompleted
from commerce.events import refund_completed
from connectors import registry
from lms import api as lms_api

CONSUMER = "lms:enrollment-end-for-refund"


@registry.subscribe(refund_completed, name=CONSUMER)
def enrollment_end_on_refund(envelope: EventEnvelope) -> None:
    """Cancel or revoke the refunded item's enrollment; retried until the enrollment exists."""
    refund: RefundCompleted = envelope.payload
    if not refund.item_fully_refunded:
        return
    if refund.reason == REFUND_FOR_REFUSED_ENROLLMENT and refund.enrollment_id is None:
        return  # the LMS refused to enroll for this item (Connector 1): there is nothing to end
    lms_api.enrollment_cancel_for_refund(
        order_id=refund.order_id,
        order_item_id=refund.order_item_id,
        reason=refund.reason or f"refund {refund.refund_id}",
    )
