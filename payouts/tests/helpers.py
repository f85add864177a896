"""Small readers the payouts tests share (no fixtures, no stubs: they read the database)."""

from payouts.models import EarnedRevenue


def shares(order_item_id: str = "oi_1") -> dict[tuple[str, str], tuple[str, int]]:
    """(role, user) -> (status, amount) of the item's share rows."""
    return {
        (row.role, row.user_id): (row.status, row.amount_minor)
        for row in EarnedRevenue.objects.filter(sale__order_item_id=order_item_id, kind="share")
    }


def snapshot(order_item_id: str = "oi_1") -> list[tuple]:
    """Everything that matters about the item's earned revenue, independent of row ids."""
    rows = EarnedRevenue.objects.filter(sale__order_item_id=order_item_id)
    return sorted((r.role, r.user_id, r.kind, r.status, r.amount_minor) for r in rows)
