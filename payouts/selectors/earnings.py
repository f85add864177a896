"""Reads of earned revenue."""

from __future__ import annotations

from payouts.data import EarnedRevenueLine, SaleEarnings
from payouts.models import EarnedRevenue, Sale


def sale_earnings(*, order_id: str, order_item_id: str) -> SaleEarnings:
    """What the order item has earned whom, and in which state."""
    sale = Sale.objects.filter(order_id=order_id, order_item_id=order_item_id).first()
    if sale is None:
        return SaleEarnings(order_id=order_id, order_item_id=order_item_id, recorded=False)
    rows = EarnedRevenue.objects.filter(sale=sale).order_by("id")
    return SaleEarnings(
        order_id=order_id,
        order_item_id=order_item_id,
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
