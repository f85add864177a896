"""payouts's only entry point for other code: takes and returns ``payouts.data`` types.

Every function is idempotent and accepts its fact in any order relative to the others: the facts
are stored per order item (or enrollment) and the earned revenue is derived from all of them.
"""

from __future__ import annotations

from datetime import datetime

from payouts.data import (
    DemoPayoutRun,
    EnrollmentApproved,
    EnrollmentCompleted,
    InstructorAssigned,
    InstructorInteractionRecorded,
    PayeeDetails,
    RefundIssued,
    RevenueRecorded,
    SaleEarnings,
    SaleOverview,
)
from payouts.selectors import earnings
from payouts.services import demo, interactions, payees, sale_batches, sales


def revenue_record(revenue: RevenueRecorded) -> SaleEarnings:
    """Connector 4: split a paid order item's net into pending earned revenue."""
    sale = sales.revenue_record(revenue=revenue)
    return earnings.earnings_of(sale)


def revenue_record_from_event(revenue: RevenueRecorded) -> None:
    """Connector 4 in process (the outbox): as ``revenue_record``, without reading back the
    earnings nobody waits for."""
    sales.revenue_record(revenue=revenue)


def revenues_record_from_event(revenues: list[RevenueRecorded]) -> None:
    """``revenue_record_from_event`` for the items of one order, in one transaction."""
    sale_batches.revenues_record(revenues=revenues)


def enrollment_approval_record(approval: EnrollmentApproved) -> SaleEarnings:
    """The enrollment was approved: the platform's share is confirmed."""
    sale = sales.enrollment_approval_record(approval=approval)
    return earnings.earnings_of(sale)


def enrollment_completion_record(completion: EnrollmentCompleted) -> SaleEarnings:
    """Connector 3: the creator's share is confirmed, the instructors' if they interacted."""
    sale = sales.enrollment_completion_record(completion=completion)
    return earnings.earnings_of(sale)


def instructor_assignment_record(assignment: InstructorAssigned) -> SaleEarnings:
    """The LMS's word on who teaches the enrollment: the instructor pool (not yet confirmed)
    passes to that instructor, or to the no-instructor recipient for nobody. The highest
    revision wins, whatever the order of arrival."""
    sale = sales.instructor_assignment_record(assignment=assignment)
    return earnings.earnings_of(sale)


def interaction_record(interaction: InstructorInteractionRecorded) -> None:
    """Count an instructor's interaction with a learner; may release held revenue."""
    interactions.interaction_record(interaction=interaction)


def refund_record(refund: RefundIssued) -> SaleEarnings:
    """Reverse the refunded fraction of the order item's earned revenue."""
    row = sales.refund_record(refund=refund)
    return earnings.earnings_of(row.sale)


def payee_upsert(payee: PayeeDetails) -> None:
    """User sync: keep the payee's name and email current."""
    payees.payee_upsert(payee=payee)


def course_name_upsert(*, course_id: str, title: str, synced_at: datetime) -> None:
    """Course sync: keep the course's title current for the payees' statements. Idempotent; an
    older sync never wins."""
    payees.course_name_upsert(course_id=course_id, title=title, synced_at=synced_at)


def sale_earnings(*, order_id: str, order_item_id: str) -> SaleEarnings:
    """What the order item has earned whom, and in which state."""
    return earnings.sale_earnings(order_id=order_id, order_item_id=order_item_id)


def seed_demo_payees(*, user_ids: list[str]) -> None:
    """Demo payees: a verified Stripe Connect account and a complete W-9 each. Idempotent."""
    demo.seed_demo_payees(user_ids=user_ids)


def seed_demo_payout_run() -> DemoPayoutRun | None:
    """Pay out the demo's confirmed revenue that is past its hold period, through a real payout
    batch; None (and no batch) when nothing is due."""
    return demo.seed_demo_payout_run()


def sales_overview() -> list[SaleOverview]:
    """Every sale payouts knows (one query): recorded gross, refunded gross, completion. For the
    connectors' reconciliation with commerce's ledger and the LMS's completions."""
    return [
        SaleOverview(
            order_id=row["order_id"],
            order_item_id=row["order_item_id"],
            currency=row["currency"],
            gross_amount=row["gross_minor"],
            refunded_amount=row["refunded"],
            completed=row["completed_at"] is not None,
        )
        for row in earnings.sales_overview()
    ]
