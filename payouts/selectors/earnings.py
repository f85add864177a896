"""Reads of earned revenue."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum, Value
from django.db.models.functions import Coalesce

from payouts.data import EarnedRevenueLine, SaleEarnings
from payouts.models import EarnedRevenue, InstructorEngagement, Sale


def sale_earnings(*, order_id: str, order_item_id: str) -> SaleEarnings:
    """What the order item has earned whom, and in which state."""
    sale = Sale.objects.filter(order_id=order_id, order_item_id=order_item_id).first()
    if sale is None:
        return SaleEarnings(order_id=order_id, order_item_id=order_item_id, recorded=False)
    return earnings_of(sale)


def earnings_of(sale: Sale) -> SaleEarnings:
    """``sale_earnings`` of a sale the caller holds as it is stored (a service just wrote and
    locked it): one query, for its rows."""
    rows = EarnedRevenue.objects.filter(sale=sale).order_by("id")
    return SaleEarnings(
        order_id=sale.order_id,
        order_item_id=sale.order_item_id,
        recorded=sale.is_recorded,
        lines=tuple(
            EarnedRevenueLine(
                earned_revenue_id=row.public_id,
                role=row.role,
                user_id=row.user_id,
                kind=row.kind,
                amount=row.amount_minor,
                currency=row.currency,
                status=row.status,
                order_id=sale.order_id,
                order_item_id=sale.order_item_id,
                enrollment_id=sale.enrollment_id,
            )
            for row in rows
        ),
    )


def held_reason(row: EarnedRevenue) -> str:
    """Why an instructor's share is held, in words for staff and the instructor."""
    from payouts import conf
    from payouts.services.sales import interaction_requirement_for

    sale = row.sale
    requirement = interaction_requirement_for(sale.course_id)
    engagement = InstructorEngagement.objects.filter(
        enrollment_id=sale.enrollment_id, instructor_id=row.user_id
    ).first()
    done = engagement or InstructorEngagement()
    if requirement.manual_verification_only:
        need = "staff to verify the interaction by hand"
    else:
        parts = [
            f"{done.discussion_replies}/{requirement.discussion_replies} discussion replies"
            if requirement.discussion_replies else "",
            f"{done.assignments_graded}/{requirement.assignments_graded} assignments graded"
            if requirement.assignments_graded else "",
            f"{done.live_session_minutes}/{requirement.live_session_minutes} live minutes"
            if requirement.live_session_minutes else "",
        ]  # fmt: skip
        need = "one of: " + ", ".join(p for p in parts if p)
    deadline = sale.completed_at + conf.forfeit_window()
    return f"Waiting for interaction with the learner ({need}); forfeited on {deadline:%Y-%m-%d}."


def engagements_eligible(engagements: Iterable[InstructorEngagement]) -> set[int]:
    """Ids of the engagements that meet their course's requirement (the spec's computed
    ``eligible``), read in two queries however many engagements are asked about."""
    from payouts.services.sales import engagement_is_eligible, interaction_requirements_for

    engagements = list(engagements)
    if not engagements:
        return set()
    # Newest first, so that each enrollment keeps the course of its first sale.
    courses = dict(
        Sale.objects.filter(enrollment_id__in={e.enrollment_id for e in engagements})
        .order_by("-pk")
        .values_list("enrollment_id", "course_id")
    )
    requirements = interaction_requirements_for({*courses.values(), ""})
    return {
        engagement.pk
        for engagement in engagements
        if engagement_is_eligible(
            engagement, requirements[courses.get(engagement.enrollment_id, "")]
        )
    }


def sales_overview() -> list[dict]:
    """Every sale with its refunded total, in one query (no row per sale)."""
    return list(
        Sale.objects.annotate(refunded=Coalesce(Sum("refunds__amount_minor"), Value(0)))
        .order_by("pk")
        .values(
            "order_id",
            "order_item_id",
            "currency",
            "gross_minor",
            "refunded",
            "completed_at",
        )
    )
