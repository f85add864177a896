"""Payloads of payouts's events and API: frozen dataclasses, standard library only.

Amounts are integers in the currency's minor unit with an ISO 4217 code beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RevenueRecorded:
    """Connector 4: commerce recorded a paid order item.

    ``gross_amount - tax_amount - platform_fee == net_amount`` must hold (``platform_fee`` is the
    payment processor's fee, as the spec names it). ``instructor_ids`` are the instructors the
    seller pre-assigned to the item; ``course_instructor_ids`` the course's instructors at sale
    time. Until the LMS says who teaches the enrollment (``instructor_assignment_record``) the
    pool is split among the first of these that is not empty; with neither, it waits without a
    payee.
    """

    order_id: str
    order_item_id: str
    course_id: str
    content_creator_id: str
    gross_amount: int
    tax_amount: int
    discount_amount: int
    platform_fee: int
    net_amount: int
    currency: str
    paid_at: datetime
    instructor_ids: tuple[str, ...] = ()
    course_instructor_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstructorAssigned:
    """The LMS's word on who teaches the enrollment an order item bought: ``instructor_id`` blank
    for nobody (the course has no instructor). The highest ``revision`` is the latest word."""

    order_id: str
    order_item_id: str
    enrollment_id: str
    instructor_id: str
    revision: int
    assigned_at: datetime


@dataclass(frozen=True)
class EnrollmentApproved:
    enrollment_id: str
    order_id: str
    order_item_id: str
    approved_at: datetime


@dataclass(frozen=True)
class EnrollmentCompleted:
    """Connector 3: the learner completed the course."""

    enrollment_id: str
    user_id: str
    course_id: str
    content_creator_id: str
    completed_at: datetime
    order_id: str
    order_item_id: str
    instructor_id: str = ""
    grade: int | None = None


@dataclass(frozen=True)
class InstructorInteractionRecorded:
    """One interaction; ``amount`` is a count, or minutes for a live session."""

    interaction_id: str
    enrollment_id: str
    instructor_id: str
    kind: str
    amount: int
    occurred_at: datetime


@dataclass(frozen=True)
class RefundIssued:
    """A refund of ``amount`` (minor units) of the order item's gross."""

    refund_id: str
    order_id: str
    order_item_id: str
    amount: int
    currency: str
    refunded_at: datetime


@dataclass(frozen=True)
class PayeeDetails:
    user_id: str
    name: str
    email: str
    # When the LMS stated these details; an older statement never overwrites a newer one.
    synced_at: datetime | None = None


@dataclass(frozen=True)
class EarnedRevenueLine:
    earned_revenue_id: str
    role: str
    user_id: str
    kind: str
    amount: int
    currency: str
    status: str
    order_id: str
    order_item_id: str
    enrollment_id: str


@dataclass(frozen=True)
class SaleEarnings:
    """What a sale has earned whom, as payouts sees it now."""

    order_id: str
    order_item_id: str
    recorded: bool
    lines: tuple[EarnedRevenueLine, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PayoutSettled:
    """Payload of the payout completed/failed events."""

    payout_id: str
    user_id: str
    amount: int
    currency: str
    method: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class SaleOverview:
    """What payouts knows of one sale, for reconciling with commerce and the LMS: the gross
    recorded (``None`` before Connector 4 arrived), the gross refunded, and whether the
    completion arrived."""

    order_id: str
    order_item_id: str
    currency: str
    gross_amount: int | None
    refunded_amount: int
    completed: bool


@dataclass(frozen=True)
class DemoPayoutRun:
    """The demo's payout batch: its id and how many payouts and earned-revenue rows it made."""

    batch_id: str
    payout_count: int
    row_count: int
