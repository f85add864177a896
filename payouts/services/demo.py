"""Demo earnings for the embedded mode (``manage.py seed_demo``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from payouts.data import (
    EnrollmentApproved,
    EnrollmentCompleted,
    InstructorInteractionRecorded,
    RevenueRecorded,
    SaleEarnings,
)
from payouts.selectors.earnings import sale_earnings
from payouts.services import accounts, interactions, sales

# Fixed dates, so that a second run records exactly the same facts (idempotent).
PAID_AT = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def seed_demo(*, creator_id: str, instructor_id: str, course_ids: list[str]) -> SaleEarnings | None:
    last = None
    for index, course_id in enumerate(course_ids):
        item = {"order_id": f"ord_demo{index}", "order_item_id": f"oi_demo{index}"}
        enrollment_id = f"enr_demo{index}"
        sales.revenue_record(revenue=RevenueRecorded(
            course_id=course_id, content_creator_id=creator_id, instructor_ids=(instructor_id,),
            gross_amount=19900, tax_amount=0, discount_amount=0, platform_fee=607,
            net_amount=19293, currency="USD", paid_at=PAID_AT, **item,
        ))  # fmt: skip
        sales.enrollment_approval_record(approval=EnrollmentApproved(
            enrollment_id=enrollment_id, approved_at=PAID_AT + timedelta(hours=1), **item
        ))  # fmt: skip
        interactions.interaction_record(interaction=InstructorInteractionRecorded(
            interaction_id=f"evt_demo{index}", enrollment_id=enrollment_id,
            instructor_id=instructor_id, kind="discussion-reply", amount=1,
            occurred_at=PAID_AT + timedelta(days=2),
        ))  # fmt: skip
        sales.enrollment_completion_record(completion=EnrollmentCompleted(
            enrollment_id=enrollment_id, user_id="usr_demo_learner", course_id=course_id,
            content_creator_id=creator_id, completed_at=PAID_AT + timedelta(days=10),
            instructor_id=instructor_id, grade=92, **item,
        ))  # fmt: skip
        last = sale_earnings(**item)
    for user_id in (creator_id, instructor_id):
        accounts.payout_account_save(
            user_id=user_id, method="stripe-connect", details={"stripeAccountId": "acct_demo123"}
        )
        accounts.payout_account_verify(user_id=user_id, verified_by="demo")
        accounts.tax_info_save(
            user_id=user_id, form="w9", tin="123-45-6789", certify=True, legal_name="Demo Payee",
            country="US", address_line="1 Demo Way", city="Springfield", postal_code="12345",
            signature_name="Demo Payee",
        )  # fmt: skip
    return last
