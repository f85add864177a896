"""Connector 2: the LMS's news about an enrollment → commerce's order item.

Approval fulfils the item; rejection refunds it; starting, completing, cancelling and revoking
the enrollment keep the order page's status current (commerce keeps the latest, whatever order
the news arrives in). Enrollments made without a purchase (staff, demo) carry no order item and
concern commerce not at all. Enrollments an outside commerce system asked for over HTTP carry
that system's order ids: commerce recognises them as not its own and the delivery ends there;
the outside system follows the enrollment through the outbound webhooks.
"""

from __future__ import annotations

from cadence.kernel.events import EventEnvelope
from commerce import api as commerce_api
from connectors import registry
from lms.data import (
    EnrollmentApproved,
    EnrollmentCompleted,
    EnrollmentEnded,
    EnrollmentRejected,
    EnrollmentStarted,
)
from lms.events import (
    enrollment_approved,
    enrollment_cancelled,
    enrollment_completed,
    enrollment_rejected,
    enrollment_revoked,
    enrollment_started,
)

APPROVED_CONSUMER = "commerce:enrollment-approved"
REJECTED_CONSUMER = "commerce:enrollment-rejected"


@registry.subscribe(enrollment_approved, name=APPROVED_CONSUMER)
def order_item_fulfil_on_approval(envelope: EventEnvelope) -> None:
    """Mark the paid order item fulfilled."""
    approved: EnrollmentApproved = envelope.payload
    if not approved.order_item_id:
        return
    commerce_api.order_item_enrollment_approved(
        order_id=approved.order_id,
        order_item_id=approved.order_item_id,
        enrollment_id=approved.enrollment_id,
        approved_at=approved.approved_at,
    )


@registry.subscribe(enrollment_rejected, name=REJECTED_CONSUMER)
def order_item_refund_on_rejection(envelope: EventEnvelope) -> None:
    """Refund the paid order item, telling the learner the LMS's reason."""
    rejected: EnrollmentRejected = envelope.payload
    if not rejected.order_item_id:
        return
    commerce_api.order_item_enrollment_rejected(
        order_id=rejected.order_id,
        order_item_id=rejected.order_item_id,
        enrollment_id=rejected.enrollment_id,
        reason=rejected.reason,
        rejected_at=rejected.rejected_at,
    )


@registry.subscribe(enrollment_started, name="commerce:enrollment-started")
def order_item_follow_start(envelope: EventEnvelope) -> None:
    started: EnrollmentStarted = envelope.payload
    _status_changed(started.order_id, started.order_item_id, started.enrollment_id,
                    status="in_progress", at=started.started_at)  # fmt: skip


@registry.subscribe(enrollment_completed, name="commerce:enrollment-completed")
def order_item_follow_completion(envelope: EventEnvelope) -> None:
    completed: EnrollmentCompleted = envelope.payload
    _status_changed(completed.order_id, completed.order_item_id, completed.enrollment_id,
                    status="completed", at=completed.completed_at)  # fmt: skip


@registry.subscribe(enrollment_cancelled, name="commerce:enrollment-cancelled")
def order_item_follow_cancellation(envelope: EventEnvelope) -> None:
    ended: EnrollmentEnded = envelope.payload
    _status_changed(ended.order_id, ended.order_item_id, ended.enrollment_id,
                    status="cancelled", at=ended.ended_at)  # fmt: skip


@registry.subscribe(enrollment_revoked, name="commerce:enrollment-revoked")
def order_item_follow_revocation(envelope: EventEnvelope) -> None:
    ended: EnrollmentEnded = envelope.payload
    _status_changed(ended.order_id, ended.order_item_id, ended.enrollment_id,
                    status="revoked", at=ended.ended_at)  # fmt: skip


def _status_changed(order_id, order_item_id, enrollment_id, *, status: str, at) -> None:
    if not order_item_id:
        return
    commerce_api.order_item_enrollment_status_changed(
        order_id=order_id,
        order_item_id=order_item_id,
        enrollment_id=enrollment_id,
        status=status,
        at=at,
    )
