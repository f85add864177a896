"""Payloads of commerce's events and API: frozen dataclasses, standard library only.

Amounts inside these payloads are integers in the currency's minor unit (cents for USD) beside an
ISO 4217 ``currency`` code: 19900 with "USD" is $199.00. Consumers that speak decimal strings to
the outside (the spec's connector bodies) convert at their edge.

For each paid item ``gross_amount - tax_amount - platform_fee == net_amount`` holds, where
``gross_amount`` is what the learner actually paid for the item (price - discount + tax),
``platform_fee`` is the payment processor's fee on the item (the spec's name for it) and
``discount_amount`` is informational.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The ``RefundCompleted.reason`` of a refund commerce made because the LMS would not enroll the
# learner: it rejected the enrollment, or refused to make one at all.
REFUND_FOR_REFUSED_ENROLLMENT = "enrollment_rejected"


@dataclass(frozen=True)
class PurchaseMetadata:
    amount: int
    currency: str
    purchase_date: datetime


@dataclass(frozen=True)
class PaymentCompleted:
    """One paid order item: the spec's Connector 4 payload plus what Connector 1 needs."""

    order_id: str
    order_item_id: str
    user_id: str
    course_id: str
    content_creator_id: str
    instructor_id: str | None
    auto_approve: bool
    gross_amount: int
    discount_amount: int
    tax_amount: int
    platform_fee: int
    net_amount: int
    currency: str
    paid_at: datetime
    purchase_metadata: PurchaseMetadata


@dataclass(frozen=True)
class OrderPaid:
    """A paid order with every item it paid for, each as its ``PaymentCompleted``.

    One event for the whole order, so that each consumer handles the order's items together.
    ``item_event_ids`` are the ids of the items' ``payment.completed`` as outbound webhooks send
    them (one per item, in the order of ``items``): outside systems still hear of each paid item.
    """

    order_id: str
    user_id: str
    currency: str
    paid_at: datetime
    items: tuple[PaymentCompleted, ...]
    item_event_ids: tuple[str, ...]


@dataclass(frozen=True)
class RefundCompleted:
    """Money went back to the learner for (part of) one order item.

    ``gross_amount`` is what the learner got back, ``tax_amount`` the tax inside it,
    ``platform_fee`` the processor fee returned to us (processors keep their fee, so usually 0)
    and ``net_amount`` = gross - tax - fee, all positive. ``item_gross_amount`` and
    ``item_net_amount`` are the sale's, so a consumer can reverse its share in proportion;
    ``item_fully_refunded`` says nothing of the item is left. ``reason`` is where the refund came
    from: ``learner``, ``staff`` or ``REFUND_FOR_REFUSED_ENROLLMENT``; ``enrollment_id`` is
    ``None`` while commerce has heard of no enrollment for the item, which stays so when the LMS
    refused to make one.
    """

    refund_id: str
    order_id: str
    order_item_id: str
    user_id: str
    course_id: str
    content_creator_id: str
    enrollment_id: str | None
    gross_amount: int
    tax_amount: int
    platform_fee: int
    net_amount: int
    currency: str
    item_gross_amount: int
    item_net_amount: int
    item_fully_refunded: bool
    reason: str
    refunded_at: datetime


@dataclass(frozen=True)
class SalesLesson:
    """A lesson as the sales page lists it; ``preview_url`` is set for a free preview."""

    title: str
    kind: str
    duration_minutes: int | None = None
    preview_url: str = ""


@dataclass(frozen=True)
class SalesModule:
    title: str
    lessons: tuple[SalesLesson, ...] = ()


@dataclass(frozen=True)
class SalesPerson:
    """The creator or an instructor, as the sales page introduces them."""

    id: str
    name: str
    role: str
    bio: str = ""
    photo_url: str = ""


@dataclass(frozen=True)
class CatalogCourseSummary:
    course_id: str
    title: str
    content_creator_id: str
    is_for_sale: bool


@dataclass(frozen=True)
class OrderIdsSold:
    """Whether commerce itself sold an order and an order item with these ids."""

    order: bool
    order_item: bool


@dataclass(frozen=True)
class OrderItemFulfilment:
    """Where an order item stands with the LMS: ``fulfilment`` is commerce's decision (pending,
    approved, rejected), ``enrollment_status`` the enrollment's latest status in the LMS."""

    order_id: str
    order_item_id: str
    fulfilment: str
    refunded_amount: int
    currency: str
    enrollment_status: str


@dataclass(frozen=True)
class DemoPurchase:
    """The paid order holding a demo customer's course; ``created`` is false when it was
    bought before."""

    order_id: str
    created: bool


@dataclass(frozen=True)
class CommerceUserSummary:
    user_id: str
    email: str
    name: str


@dataclass(frozen=True)
class OrderItemRevenue:
    """The revenue ledger's running total for one order item (sale plus any refunds), in minor
    units: what a reconciliation compares with what was recorded downstream.
    ``refunded_amount`` is the gross refunded so far (positive), so an item refunded in full
    (nothing left, something refunded) is told apart from one sold for nothing (a full
    discount). ``rejected``: the LMS rejected or refused the item's enrollment, so commerce
    refunds what is left of it."""

    order_id: str
    order_item_id: str
    course_id: str
    content_creator_id: str
    currency: str
    gross_amount: int
    tax_amount: int
    platform_fee: int
    net_amount: int
    refunded_amount: int
    rejected: bool = False
