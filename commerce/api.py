"""commerce's only entry point for other code: takes and returns ``commerce.data`` types."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from commerce import demo, selectors, services
from commerce.data import (
    CatalogCourseSummary,
    CommerceUserSummary,
    DemoPurchase,
    OrderIdsSold,
    OrderItemFulfilment,
    OrderItemRevenue,
    SalesModule,
    SalesPerson,
)
from commerce.models import OrderItem


def catalog_course_upsert(
    *,
    course_id: str,
    title: str,
    content_creator_id: str,
    description: str = "",
    thumbnail: str = "",
    is_published: bool = True,
    synced_at: datetime | None = None,
    slug: str = "",
    outcomes: Sequence[str] = (),
    outline: Sequence[SalesModule] = (),
    people: Sequence[SalesPerson] = (),
) -> CatalogCourseSummary:
    """Record what the LMS says about a course (on publish, change or unpublish). Idempotent; an
    older sync never overwrites a newer one. The course is for sale once staff give it a price;
    ``is_published=False`` takes it off sale. ``outcomes``, ``outline`` (modules and lessons,
    with durations and free previews) and ``people`` (creator, instructors) feed its sales page."""
    course = services.catalog_course_upsert(
        lms_course_id=course_id,
        title=title,
        content_creator_id=content_creator_id,
        description=description,
        thumbnail=thumbnail,
        is_published=is_published,
        synced_at=synced_at,
        slug=slug,
        outcomes=outcomes,
        outline=outline,
        people=people,
    )
    return CatalogCourseSummary(
        course_id=course.lms_course_id,
        title=course.title,
        content_creator_id=course.content_creator_id,
        is_for_sale=selectors.course_is_for_sale(course_id=course.lms_course_id),
    )


def commerce_user_upsert(
    *, user_id: str, email: str = "", name: str = "", synced_at: datetime | None = None
) -> CommerceUserSummary:
    """Record what the LMS says about a user. Idempotent; an older sync never wins."""
    user = services.commerce_user_upsert(
        lms_user_id=user_id, email=email, name=name, synced_at=synced_at
    )
    return CommerceUserSummary(user_id=user.lms_user_id, email=user.email, name=user.name)


def order_item_enrollment_approved(
    *,
    order_item_id: str,
    enrollment_id: str,
    order_id: str | None = None,
    approved_at: datetime | None = None,
) -> OrderItemFulfilment | None:
    """The LMS approved the enrollment this item paid for: the item is fulfilled. Idempotent.

    Given ``order_id``, an order commerce never issued (an outside commerce system's sale) is
    recognised and answered with ``None``: it is that system's to follow, not ours."""
    return _fulfilment(
        services.order_item_fulfil(
            order_item_id=order_item_id,
            enrollment_id=enrollment_id,
            order_id=order_id,
            at=approved_at,
        )
    )


def order_ids_sold(*, order_id: str, order_item_id: str) -> OrderIdsSold:
    """Whether commerce sold an order with the id ``order_id``, and an order item with the id
    ``order_item_id`` (in any order): what Cadence sold is Cadence's, and no outside system
    reports on it."""
    order, order_item = selectors.order_ids_sold(order_id=order_id, order_item_id=order_item_id)
    return OrderIdsSold(order=order, order_item=order_item)


def order_item_enrollment_rejected(
    *,
    order_item_id: str,
    enrollment_id: str,
    reason: str = "",
    order_id: str | None = None,
    rejected_at: datetime | None = None,
) -> OrderItemFulfilment | None:
    """The LMS rejected the enrollment: the item is refunded automatically (after commit) and the
    learner is told why. Idempotent: one refund, one message, however often it is called.

    ``enrollment_id`` is empty when the LMS refused to make the enrollment at all (a course no
    longer published, a deactivated account): the item is refunded all the same. Given
    ``order_id``, an order commerce never issued is answered with ``None`` and nothing happens."""
    return _fulfilment(
        services.order_item_reject(
            order_item_id=order_item_id,
            enrollment_id=enrollment_id,
            reason=reason,
            order_id=order_id,
            at=rejected_at,
        )
    )


def order_item_enrollment_status_changed(
    *, order_id: str, order_item_id: str, enrollment_id: str, status: str, at: datetime
) -> OrderItemFulfilment | None:
    """The enrollment this item paid for moved on in the LMS: ``in_progress``, ``completed``,
    ``cancelled`` or ``revoked`` (``approved`` too). The order page shows the latest status;
    an older one arriving late changes nothing, and a status only reached after approval
    fulfils the item. Idempotent; ``None`` for an order commerce never issued."""
    return _fulfilment(
        services.order_item_enrollment_status_record(
            order_id=order_id,
            order_item_id=order_item_id,
            enrollment_id=enrollment_id,
            status=status,
            at=at,
        )
    )


def _fulfilment(item: OrderItem | None) -> OrderItemFulfilment | None:
    if item is None:
        return None
    return OrderItemFulfilment(
        order_id=item.order.public_id,
        order_item_id=item.public_id,
        fulfilment=item.fulfilment,
        refunded_amount=item.refunded_minor,
        currency=item.order.currency,
        enrollment_status=item.enrollment_status,
    )


def revenue_by_order_item(
    *, since: datetime | None = None, until: datetime | None = None
) -> list[OrderItemRevenue]:
    """The revenue ledger summed per order item (sales less refunds) for entries recorded in
    ``[since, until)``; for reconciling with what consumers of ``order.paid`` recorded."""
    return [
        OrderItemRevenue(
            order_id=row["order_id"],
            order_item_id=row["order_item__public_id"],
            course_id=row["course_id"],
            content_creator_id=row["content_creator_id"],
            currency=row["currency"],
            gross_amount=row["gross"],
            tax_amount=row["tax"],
            platform_fee=row["fee"],
            net_amount=row["net"],
            refunded_amount=-row["refunded_gross"],
            rejected=row["order_item__fulfilment"] == OrderItem.Fulfilment.REJECTED,
        )
        for row in selectors.revenue_by_order_item(since=since, until=until)
    ]


def seed_demo_catalog(*, course_ids: Sequence[str]) -> tuple[str, ...]:
    """Price the demo courses ($199, $149, … in USD; the catalog must already know them through
    ``catalog_course_upsert``), set California's tax rate and the ``WELCOME10`` coupon.
    Idempotent; returns the catalog item ids."""
    return demo.demo_catalog(course_ids=course_ids)


def seed_demo_purchase(
    *, customer_id: str, course_id: str, coupon_code: str = "", billing_region: str = ""
) -> DemoPurchase:
    """The demo customer buys the course (cart, checkout, the ``test`` processor), publishing
    ``order.paid`` as any purchase does; a course they already hold is not bought again."""
    return demo.demo_purchase(
        customer_id=customer_id,
        course_id=course_id,
        coupon_code=coupon_code,
        billing_region=billing_region,
    )
