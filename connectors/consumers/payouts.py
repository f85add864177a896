"""Commerce's and the LMS's facts → payouts (Connectors 3 and 4, refunds, interactions, payees).

Payouts stores each fact per order item and derives earned revenue from all it knows, so these
consumers need no ordering among themselves: a completion before the revenue, or a refund before
anything, ends in the same state. Enrollments made without a purchase earn nobody anything and
are left out.
"""

from __future__ import annotations

from cadence.kernel.events import EventEnvelope
from commerce.data import OrderPaid, PaymentCompleted, RefundCompleted
from commerce.events import order_paid, payment_completed, refund_completed
from connectors import registry
from connectors.instructors import revenue_with_instructors, revenues_with_instructors
from lms.data import (
    EnrollmentApproved,
    EnrollmentCompleted,
    EnrollmentInstructorAssigned,
    InstructorInteractionRecorded,
    UserSynced,
)
from lms.events import (
    enrollment_approved,
    enrollment_completed,
    enrollment_instructor_assigned,
    instructor_interaction_recorded,
    user_created,
    user_updated,
)
from payouts import api as payouts_api
from payouts import data as payouts_data


@registry.subscribe(order_paid, name="payouts:revenue-recorded")
def revenue_record_on_order_paid(envelope: EventEnvelope) -> None:
    """Connector 4 for every item of the order, in one transaction: each paid item's net is
    split into pending earned revenue (idempotent per order item)."""
    order: OrderPaid = envelope.payload
    payouts_api.revenues_record_from_event(
        revenues_with_instructors([_revenue_recorded(paid) for paid in order.items])
    )


@registry.subscribe(payment_completed, name="payouts:revenue-recorded")
def revenue_record_on_payment(envelope: EventEnvelope) -> None:
    """Connector 4 for one paid item (an event queued before ``order.paid``)."""
    paid: PaymentCompleted = envelope.payload
    payouts_api.revenue_record_from_event(revenue_with_instructors(_revenue_recorded(paid)))


def _revenue_recorded(paid: PaymentCompleted) -> payouts_data.RevenueRecorded:
    return payouts_data.RevenueRecorded(
        order_id=paid.order_id,
        order_item_id=paid.order_item_id,
        course_id=paid.course_id,
        content_creator_id=paid.content_creator_id,
        gross_amount=paid.gross_amount,
        tax_amount=paid.tax_amount,
        discount_amount=paid.discount_amount,
        platform_fee=paid.platform_fee,
        net_amount=paid.net_amount,
        currency=paid.currency,
        paid_at=paid.paid_at,
        instructor_ids=(paid.instructor_id,) if paid.instructor_id else (),
    )


@registry.subscribe(enrollment_instructor_assigned, name="payouts:instructor-assigned")
def pool_follow_on_instructor_assignment(envelope: EventEnvelope) -> None:
    """The LMS's word on who teaches a bought enrollment: the instructor pool follows it."""
    assigned: EnrollmentInstructorAssigned = envelope.payload
    if not (assigned.order_id and assigned.order_item_id):
        return
    payouts_api.instructor_assignment_record(
        payouts_data.InstructorAssigned(
            order_id=assigned.order_id,
            order_item_id=assigned.order_item_id,
            enrollment_id=assigned.enrollment_id,
            instructor_id=assigned.instructor_id or "",
            revision=assigned.revision,
            assigned_at=assigned.assigned_at,
        )
    )


@registry.subscribe(enrollment_approved, name="payouts:enrollment-approved")
def platform_share_confirm_on_approval(envelope: EventEnvelope) -> None:
    """Approval confirms the platform's share of the sale."""
    approved: EnrollmentApproved = envelope.payload
    if not (approved.order_id and approved.order_item_id):
        return
    payouts_api.enrollment_approval_record(
        payouts_data.EnrollmentApproved(
            enrollment_id=approved.enrollment_id,
            order_id=approved.order_id,
            order_item_id=approved.order_item_id,
            approved_at=approved.approved_at,
        )
    )


@registry.subscribe(enrollment_completed, name="payouts:enrollment-completed")
def earnings_confirm_on_completion(envelope: EventEnvelope) -> None:
    """Connector 3: the creator's share is confirmed, the instructors' once they interacted."""
    completed: EnrollmentCompleted = envelope.payload
    if not (completed.order_id and completed.order_item_id):
        return
    payouts_api.enrollment_completion_record(
        payouts_data.EnrollmentCompleted(
            enrollment_id=completed.enrollment_id,
            user_id=completed.user_id,
            course_id=completed.course_id,
            content_creator_id=completed.content_creator_id,
            completed_at=completed.completed_at,
            order_id=completed.order_id,
            order_item_id=completed.order_item_id,
            instructor_id=completed.instructor_id or "",
            grade=completed.grade,
        )
    )


@registry.subscribe(refund_completed, name="payouts:refund-recorded")
def earnings_reverse_on_refund(envelope: EventEnvelope) -> None:
    """The refunded fraction of the item's gross is reversed; paid shares net from the next
    payout. Partial refunds reverse their part, unlike on the LMS side where access stays."""
    refund: RefundCompleted = envelope.payload
    payouts_api.refund_record(
        payouts_data.RefundIssued(
            refund_id=refund.refund_id,
            order_id=refund.order_id,
            order_item_id=refund.order_item_id,
            amount=refund.gross_amount,
            currency=refund.currency,
            refunded_at=refund.refunded_at,
        )
    )


@registry.subscribe(instructor_interaction_recorded, name="payouts:interaction-recorded")
def interaction_count(envelope: EventEnvelope) -> None:
    """An instructor's interaction counts toward the enrollment's requirement (once per id)."""
    interaction: InstructorInteractionRecorded = envelope.payload
    if not interaction.order_item_id:
        return
    payouts_api.interaction_record(
        payouts_data.InstructorInteractionRecorded(
            interaction_id=interaction.interaction_id,
            enrollment_id=interaction.enrollment_id,
            instructor_id=interaction.instructor_id,
            kind=interaction.kind,
            amount=interaction.amount,
            occurred_at=interaction.occurred_at,
        )
    )


def payee_sync(envelope: EventEnvelope) -> None:
    """User Sync: payouts keeps the payee's name and email current."""
    user: UserSynced = envelope.payload
    payouts_api.payee_upsert(
        payouts_data.PayeeDetails(
            user_id=user.id, name=user.name, email=user.email, synced_at=envelope.occurred_at
        )
    )


registry.subscribe(user_created, name="payouts:user-created")(payee_sync)
registry.subscribe(user_updated, name="payouts:user-updated")(payee_sync)
