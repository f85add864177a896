"""commerce's reads. Each returns in a fixed number of queries whatever the data size."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone

from cadence.kernel.money import Money
from commerce.models import (
    Cart,
    CartItem,
    CatalogItem,
    CatalogPrice,
    CommerceUser,
    Order,
    OrderItem,
    Payment,
    Refund,
    RevenueLedgerEntry,
    TaxRate,
)

# An order item that gives its learner the course: paid for, not rejected, not wholly refunded.
ACTIVE = (
    Q(order__state__in=[Order.State.PAID, Order.State.PARTIALLY_REFUNDED])
    & ~Q(fulfilment=OrderItem.Fulfilment.REJECTED)
    & (Q(refunded_minor__lt=F("total_minor")) | Q(total_minor=0))
)
# An order item that takes one of a course's seats: active, or waiting for its payment.
SEAT_HOLDING = ACTIVE | Q(order__state=Order.State.PENDING)


def held_course_ids(*, customer_id: str, course_ids: Iterable[str]) -> set[str]:
    """Which of ``course_ids`` the learner already holds an active order item for."""
    return set(
        OrderItem.objects.filter(
            ACTIVE, order__customer_id=customer_id, course_id__in=list(course_ids)
        ).values_list("course_id", flat=True)
    )


def order_items_with_held(order: Order) -> list[OrderItem]:
    """``order``'s items in their order, each with ``already_held``: whether the learner holds
    its course by another order already (one query)."""
    held = OrderItem.objects.filter(
        ACTIVE, order__customer_id=order.customer_id, course_id=OuterRef("course_id")
    )
    return list(order.items.annotate(already_held=Exists(held)).order_by("pk"))


def customer_holds_course(*, customer_id: str, course_id: str) -> bool:
    return bool(held_course_ids(customer_id=customer_id, course_ids=[course_id]))


def tax_rate_for(*, country: str, region: str = "") -> TaxRate | None:
    """The rate for the billing address: the region's if one is set, else the country's."""
    rates = {
        rate.region: rate
        for rate in TaxRate.objects.filter(
            country=country.upper(), region__in={"", region.upper()}, is_active=True
        )
    }
    return rates.get(region.upper()) or rates.get("")


# --- catalog -------------------------------------------------------------------------------------

# The name under which ``catalog_items`` reads each item's price in the currency asked for.
PRICE_HERE = "price_here"


def catalog_items(
    *,
    search: str = "",
    creator_id: str = "",
    currency: str = "USD",
    min_price_minor: int | None = None,
    max_price_minor: int | None = None,
    at: datetime | None = None,
) -> QuerySet[CatalogItem]:
    """Listed courses on sale now in ``currency``, each with its course and its price there
    (``current_price``, ``list_price``) read in the same query: an item has at most one price per
    currency, so the join adds no rows and needs neither DISTINCT nor a second query.

    The price filters compare the list price (a sale price lowers what the learner pays, but the
    filter is about the course's price band).
    """
    at = at or timezone.now()
    # One filter() of every condition: each call copies the query, and the catalog's API builds
    # this on every request.
    conditions = [
        Q(is_listed=True, **{f"{PRICE_HERE}__isnull": False}),
        Q(available_from__isnull=True) | Q(available_from__lte=at),
        Q(available_until__isnull=True) | Q(available_until__gt=at),
    ]
    if search:
        conditions.append(
            Q(course__title__icontains=search) | Q(course__description__icontains=search)
        )
    if creator_id:
        conditions.append(Q(course__content_creator_id=creator_id))
    if min_price_minor is not None:
        conditions.append(Q(**{f"{PRICE_HERE}__amount_minor__gte": min_price_minor}))
    if max_price_minor is not None:
        conditions.append(Q(**{f"{PRICE_HERE}__amount_minor__lte": max_price_minor}))
    return (
        CatalogItem.objects.annotate(
            **{PRICE_HERE: FilteredRelation("prices", condition=Q(prices__currency=currency))}
        )
        .filter(*conditions)
        .select_related("course", PRICE_HERE)
        .order_by("course__title", "pk")
    )


def catalog_item_values(*, fields: Sequence[str], at: datetime, **filters) -> QuerySet[dict]:
    """``catalog_items`` (the same filters, ``at`` required) as dicts of only ``fields``
    (``QuerySet.values``; the course's columns as ``course__title``, the price's as
    ``price_here__amount_minor``): no model instances and none of the course's other columns,
    for an answer that shows these and nothing else. ``catalog_price_minor_in_force`` gives a
    row's price in force."""
    return catalog_items(at=at, **filters).values(*fields)


# The price's columns ``catalog_price_minor_in_force`` reads from a ``catalog_item_values`` row.
CATALOG_PRICE_FIELDS = (
    f"{PRICE_HERE}__amount_minor",
    f"{PRICE_HERE}__sale_amount_minor",
    f"{PRICE_HERE}__sale_starts_at",
    f"{PRICE_HERE}__sale_ends_at",
)


def catalog_price_minor_in_force(row: dict, at: datetime) -> int:
    """The price in force at ``at`` (``CatalogPrice.current_minor``) of a ``catalog_item_values``
    row read with ``CATALOG_PRICE_FIELDS``."""
    return CatalogPrice.minor_in_force(*(row[name] for name in CATALOG_PRICE_FIELDS), at)


def catalog_item_for_course(*, course_id: str, currency: str = "USD") -> CatalogItem | None:
    return (
        CatalogItem.objects.filter(course__lms_course_id=course_id, is_listed=True)
        .select_related("course")
        .prefetch_related(
            Prefetch("prices", CatalogPrice.objects.filter(currency=currency), to_attr="price_in")
        )
        .first()
    )


def course_is_for_sale(*, course_id: str) -> bool:
    return CatalogItem.objects.filter(
        course__lms_course_id=course_id, is_listed=True, prices__isnull=False
    ).exists()


def catalog_creators() -> list[tuple[str, str]]:
    """``(creator id, name)`` of everyone with a listed course; the name from the user cache."""
    ids = set(
        CatalogItem.objects.filter(is_listed=True).values_list(
            "course__content_creator_id", flat=True
        )
    )
    names = creator_names(ids)
    return sorted(
        ((creator_id, names.get(creator_id, creator_id)) for creator_id in ids),
        key=lambda pair: pair[1].lower(),
    )


def creator_names(ids: Iterable[str]) -> dict[str, str]:
    return {
        user.lms_user_id: user.name or user.email or user.lms_user_id
        for user in CommerceUser.objects.filter(lms_user_id__in=list(ids))
    }


def _price_read_with(item: CatalogItem) -> CatalogPrice | None:
    """The price an item was read with: selected with it (``catalog_items``) or prefetched as
    ``price_in`` (one course, a cart's lines)."""
    selected = getattr(item, PRICE_HERE, None)
    if selected is not None:
        return selected
    prices = getattr(item, "price_in", None)
    return prices[0] if prices else None


def current_price(item: CatalogItem, at: datetime | None = None) -> Money | None:
    """The price in force for an item read with its price in one currency."""
    price = _price_read_with(item)
    if price is None:
        return None
    return Money(price.current_minor(at or timezone.now()), price.currency)


def list_price(item: CatalogItem) -> Money | None:
    price = _price_read_with(item)
    return None if price is None else Money(price.amount_minor, price.currency)


# --- carts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartLine:
    catalog_item_id: str
    course_id: str
    title: str
    price: Money | None


@dataclass(frozen=True)
class CartView:
    cart_id: str | None
    currency: str
    lines: list[CartLine]

    @property
    def subtotal(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            if line.price is not None:
                total = total + line.price
        return total


def cart_view(*, customer_id: str | None, session_key: str | None) -> CartView:
    cart = None
    if customer_id:
        cart = Cart.objects.filter(customer_id=customer_id).first()
    elif session_key:
        cart = Cart.objects.filter(session_key=session_key).first()
    if cart is None:
        return CartView(cart_id=None, currency="USD", lines=[])
    now = timezone.now()
    lines = (
        CartItem.objects.filter(cart=cart)
        .select_related("item__course")
        .prefetch_related(
            Prefetch(
                "item__prices",
                CatalogPrice.objects.filter(currency=cart.currency),
                to_attr="price_in",
            )
        )
    )
    return CartView(
        cart_id=cart.public_id,
        currency=cart.currency,
        lines=[
            CartLine(
                catalog_item_id=line.item.public_id,
                course_id=line.item.course.lms_course_id,
                title=line.item.course.title,
                price=current_price(line.item, now),
            )
            for line in lines
        ],
    )


# --- orders --------------------------------------------------------------------------------------


def customer_orders(*, customer_id: str) -> QuerySet[Order]:
    return (
        Order.objects.filter(customer_id=customer_id)
        .prefetch_related(Prefetch("items", OrderItem.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


@functools.cache
def _order_items_values(item_fields: tuple[str, ...], joined: tuple[str, ...]) -> QuerySet[dict]:
    """The items' values query, in their order, built once per set of fields and never run
    itself: each read filters (a copy of) it. Building a values() query of some 25 columns, each
    resolved through the model's fields and joins, costs more CPU than the query does."""
    return OrderItem.objects.order_by("pk").values(*item_fields, *joined)


def customer_order_values(
    *, customer_id: str, order_id: str, order_fields: Sequence[str], item_fields: Sequence[str]
) -> tuple[dict, list[dict]] | None:
    """One of the customer's orders and its items, as dicts of only the columns named
    (``QuerySet.values``), in the items' order: what the API shows of an order, read without
    building model instances. None if the customer has no such order.

    One query: the items, each with the order's columns joined (``order__<field>``; the order's
    dict is made from the first row). Checkout makes no order without items; one without (or no
    such order) takes a second query, for the order alone.
    """
    joined = [f"order__{name}" for name in order_fields]
    items = list(
        _order_items_values(tuple(item_fields), tuple(joined)).filter(
            order__customer_id=customer_id, order__public_id=order_id
        )
    )
    if items:
        first = items[0]
        order = {name: first[column] for name, column in zip(order_fields, joined, strict=True)}
        return order, items
    # get(), not first(): the public id is unique, and no ORDER BY is built for one row.
    try:
        order = Order.objects.values(*order_fields).get(customer_id=customer_id, public_id=order_id)
    except Order.DoesNotExist:
        return None
    return order, []


def customer_order(*, customer_id: str, order_id: str) -> Order | None:
    """One of the customer's orders with all its receipt shows: items, their tax and refunds,
    and the payments."""
    return (
        Order.objects.filter(customer_id=customer_id, public_id=order_id)
        .prefetch_related(
            Prefetch("items", OrderItem.objects.select_related("tax").order_by("pk")),
            Prefetch("items__refunds", Refund.objects.order_by("created_at", "pk")),
            Prefetch("payments", Payment.objects.order_by("-created_at", "-pk")),
        )
        .first()
    )


def order_ids_sold(*, order_id: str, order_item_id: str) -> tuple[bool, bool]:
    """Whether an order, and an order item, with these public ids exist here (one query)."""
    found = set(
        Order.objects.filter(public_id=order_id)
        .annotate(found=Value("order"))
        .order_by()
        .values_list("found", flat=True)
        .union(
            OrderItem.objects.filter(public_id=order_item_id)
            .annotate(found=Value("order_item"))
            .order_by()
            .values_list("found", flat=True),
            all=True,
        )
    )
    return "order" in found, "order_item" in found


def customer_payments(*, customer_id: str) -> QuerySet[Payment]:
    return Payment.objects.filter(order__customer_id=customer_id).select_related("order")


def customer_order_item(*, customer_id: str, order_item_id: str) -> OrderItem | None:
    return (
        OrderItem.objects.filter(order__customer_id=customer_id, public_id=order_item_id)
        .select_related("order")
        .first()
    )


# --- revenue -------------------------------------------------------------------------------------

REVENUE_GROUPINGS = {
    "course": "course_id",
    "creator": "content_creator_id",
    "day": "day",
    "month": "month",
}


def revenue_report(
    *,
    by: str = "course",
    since: datetime | None = None,
    until: datetime | None = None,
    currency: str | None = None,
) -> list[dict]:
    """Ledger totals grouped by course, creator, day or month, per currency.

    Rows: the group key, currency, gross, discount, tax, fee, net (minor units) and the number of
    sale and refund entries. Refunds are included as the negative entries they are.
    """
    entries = RevenueLedgerEntry.objects.all()
    if since:
        entries = entries.filter(recorded_at__gte=since)
    if until:
        entries = entries.filter(recorded_at__lt=until)
    if currency:
        entries = entries.filter(currency=currency)
    key = REVENUE_GROUPINGS[by]
    if by == "day":
        entries = entries.annotate(day=TruncDay("recorded_at"))
    elif by == "month":
        entries = entries.annotate(month=TruncMonth("recorded_at"))
    return list(
        entries.values(key, "currency")
        .annotate(
            gross=Sum("gross_minor"),
            discount=Sum("discount_minor"),
            tax=Sum("tax_minor"),
            fee=Sum("fee_minor"),
            net=Sum("net_minor"),
            sales=Count("pk", filter=Q(kind=RevenueLedgerEntry.Kind.SALE)),
            refunds=Count("pk", filter=Q(kind=RevenueLedgerEntry.Kind.REFUND)),
        )
        .order_by(key, "currency")
    )


def revenue_by_order_item(
    *, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Ledger sums per order item for entries recorded in ``[since, until)``, in one query."""
    entries = RevenueLedgerEntry.objects.all()
    if since:
        entries = entries.filter(recorded_at__gte=since)
    if until:
        entries = entries.filter(recorded_at__lt=until)
    return list(
        entries.values(
            "order_id",
            "order_item__public_id",
            "course_id",
            "content_creator_id",
            "currency",
            "order_item__fulfilment",
        )
        .annotate(
            gross=Sum("gross_minor"),
            tax=Sum("tax_minor"),
            fee=Sum("fee_minor"),
            net=Sum("net_minor"),
            refunded_gross=Sum(
                "gross_minor", filter=Q(kind=RevenueLedgerEntry.Kind.REFUND), default=0
            ),
        )
        .order_by("order_id", "order_item__public_id")
    )


def cart_holds_item(
    *, customer_id: str | None, session_key: str | None, catalog_item_id: str
) -> bool:
    """Whether the owner's cart already has the catalog item (to say so rather than "added")."""
    if customer_id:
        owner = {"cart__customer_id": customer_id}
    elif session_key:
        owner = {"cart__session_key": session_key}
    else:
        return False
    return CartItem.objects.filter(item__public_id=catalog_item_id, **owner).exists()
