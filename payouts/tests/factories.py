from datetime import timedelta

import factory
from django.utils import timezone

from payouts.data import (
    EnrollmentApproved,
    EnrollmentCompleted,
    InstructorAssigned,
    InstructorInteractionRecorded,
    RefundIssued,
    RevenueRecorded,
)

# Recent dates, so that no hold or forfeit window has closed unless a test moves the clock on.
PAID_AT = timezone.now().replace(microsecond=0) - timedelta(days=3)


class RevenueRecordedFactory(factory.Factory):
    """The spec's example: a $199.00 card sale with a $6.07 processor fee and no tax."""

    class Meta:
        model = RevenueRecorded

    order_id = factory.Sequence(lambda n: f"ord_{n:026d}")
    order_item_id = factory.Sequence(lambda n: f"oi_{n:026d}")
    course_id = "crs_course"
    content_creator_id = "usr_creator"
    instructor_ids = ("usr_instructor",)
    gross_amount = 19900
    tax_amount = 0
    discount_amount = 0
    platform_fee = 607
    net_amount = factory.LazyAttribute(lambda o: o.gross_amount - o.tax_amount - o.platform_fee)
    currency = "USD"
    paid_at = PAID_AT


class EnrollmentApprovedFactory(factory.Factory):
    class Meta:
        model = EnrollmentApproved

    enrollment_id = "enr_1"
    order_id = "ord_1"
    order_item_id = "oi_1"
    approved_at = PAID_AT + timedelta(hours=1)


class EnrollmentCompletedFactory(factory.Factory):
    class Meta:
        model = EnrollmentCompleted

    enrollment_id = "enr_1"
    user_id = "usr_learner"
    course_id = "crs_course"
    content_creator_id = "usr_creator"
    completed_at = PAID_AT + timedelta(days=2)
    order_id = "ord_1"
    order_item_id = "oi_1"
    instructor_id = "usr_instructor"
    grade = 92


class InstructorAssignedFactory(factory.Factory):
    """The LMS's word on who teaches the enrollment (blank ``instructor_id``: nobody)."""

    class Meta:
        model = InstructorAssigned

    order_id = "ord_1"
    order_item_id = "oi_1"
    enrollment_id = "enr_1"
    instructor_id = "usr_instructor"
    revision = 1
    assigned_at = PAID_AT + timedelta(hours=1)


class InteractionFactory(factory.Factory):
    class Meta:
        model = InstructorInteractionRecorded

    interaction_id = factory.Sequence(lambda n: f"evt_interaction_{n}")
    enrollment_id = "enr_1"
    instructor_id = "usr_instructor"
    kind = "discussion-reply"
    amount = 1
    occurred_at = PAID_AT + timedelta(days=1)


class RefundFactory(factory.Factory):
    class Meta:
        model = RefundIssued

    refund_id = factory.Sequence(lambda n: f"ref_{n}")
    order_id = "ord_1"
    order_item_id = "oi_1"
    amount = 19900
    currency = "USD"
    refunded_at = PAID_AT + timedelta(days=1)
