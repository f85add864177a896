"""Lists for the API and pages: always with their related rows joined, so the query count is
fixed whatever the number of rows."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db.models import Q, QuerySet

from payouts.errors import PayoutsError
from payouts.models import EarnedRevenue, Payout, PayoutAccount, RevenueShareConfig, Role


def earned_revenue_list(
    *,
    viewer_user_id: str | None,
    order_id: str = "",
    user_id: str = "",
    role: str = "",
    status: str = "",
    fields: Sequence[str] = (),
) -> QuerySet[EarnedRevenue]:
    """Earned revenue, newest first; ``viewer_user_id`` None means staff (all payees).

    ``fields``, when given, make it rows of only those columns, as dicts (``QuerySet.values``,
    the sale's and payout's as ``sale__order_id``): the caller shows those and nothing else, and
    no model instance is built.
    """
    if role and role not in Role.values:
        raise PayoutsError("is not a role", field="role")
    if status and status not in EarnedRevenue.Status.values:
        raise PayoutsError("is not an earned-revenue status", field="status")
    # One filter() of every condition: each call copies the query, built on every API request.
    conditions = [] if viewer_user_id is None else [Q(user_id=viewer_user_id)]
    conditions += [
        Q(**{name: value})
        for name, value in (
            ("sale__order_id", order_id),
            ("user_id", user_id),
            ("role", role),
            ("status", status),
        )
        if value  # "" is no filter
    ]
    if fields:
        return _earned_revenue_values(tuple(fields)).filter(*conditions)
    rows = EarnedRevenue.objects.filter(*conditions).order_by("-id")
    return rows.select_related("sale", "payout")


@functools.cache
def _earned_revenue_values(fields: tuple[str, ...]) -> QuerySet[dict]:
    """The newest-first values query of these fields, built once and never run itself: each
    list filters (a copy of) it, rather than resolving every field through the joins again."""
    return EarnedRevenue.objects.order_by("-id").values(*fields)


def payout_list(*, viewer_user_id: str | None) -> QuerySet[Payout]:
    rows = Payout.objects.select_related("account", "batch").order_by("-id")
    return rows if viewer_user_id is None else rows.filter(user_id=viewer_user_id)


def payout_account_list(*, viewer_user_id: str | None) -> QuerySet[PayoutAccount]:
    rows = PayoutAccount.objects.order_by("user_id")
    return rows if viewer_user_id is None else rows.filter(user_id=viewer_user_id)


def revenue_share_config_list(*, viewer_user_id: str | None) -> QuerySet[RevenueShareConfig]:
    """Configs; a payee sees the platform default and the configs of courses they created."""
    rows = RevenueShareConfig.objects.order_by("course_id", "-effective_from")
    if viewer_user_id is None:
        return rows
    return rows.filter(Q(course_id="") | Q(content_creator_id=viewer_user_id))
