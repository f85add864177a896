"""Writes to the catalog: the LMS caches (course and user sync) and the prices staff set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cadence.kernel.money import Money
from commerce.data import SalesModule, SalesPerson
from commerce.errors import CommerceError, CommerceNotFound
from commerce.models import CatalogCourse, CatalogItem, CatalogPrice, CommerceUser


def _required(value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CommerceError("is required", field=field)
    return value.strip()


@transaction.atomic
def catalog_course_upsert(
    *,
    lms_course_id: str,
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
) -> CatalogCourse:
    """Create or refresh the cached course; an older sync never overwrites a newer one.

    A course the LMS no longer publishes is taken off sale (its catalog item is unlisted);
    publishing it again leaves listing it to staff, who may have reasons to keep it off.
    """
    lms_course_id = _required(lms_course_id, "lms_course_id")
    synced_at = synced_at or timezone.now()
    values = {
        "title": _required(title, "title")[:200],
        "description": description or "",
        "content_creator_id": _required(content_creator_id, "content_creator_id"),
        "thumbnail": (thumbnail or "")[:500],
        "slug": (slug or "")[:200],
        "outcomes": [str(outcome) for outcome in outcomes],
        "outline": [asdict(module) for module in outline],
        "people": [asdict(person) for person in people],
        "last_synced_at": synced_at,
    }
    course, created = CatalogCourse.objects.select_for_update().get_or_create(
        lms_course_id=lms_course_id, defaults=values
    )
    fresh = created or course.last_synced_at <= synced_at
    if not created and fresh:
        CatalogCourse.objects.filter(pk=course.pk).update(**values)
        course.refresh_from_db()
    if fresh and not is_published:
        CatalogItem.objects.filter(course=course).update(is_listed=False)
    return course


@transaction.atomic
def commerce_user_upsert(
    *, lms_user_id: str, email: str = "", name: str = "", synced_at: datetime | None = None
) -> CommerceUser:
    """Create or refresh the cached user; an older sync never overwrites a newer one."""
    lms_user_id = _required(lms_user_id, "lms_user_id")
    synced_at = synced_at or timezone.now()
    values = {"email": email or "", "name": (name or "")[:200], "last_synced_at": synced_at}
    user, created = CommerceUser.objects.select_for_update().get_or_create(
        lms_user_id=lms_user_id, defaults=values
    )
    if not created and user.last_synced_at <= synced_at:
        CommerceUser.objects.filter(pk=user.pk).update(**values)
        user.refresh_from_db()
    return user


@transaction.atomic
def catalog_item_price_set(
    *,
    lms_course_id: str,
    price: Money,
    sale_price: Money | None = None,
    sale_starts_at: datetime | None = None,
    sale_ends_at: datetime | None = None,
    auto_approve: bool | None = None,
) -> CatalogItem:
    """Offer a cached course for sale at ``price`` (one price per currency; setting it again
    replaces that currency's price)."""
    course = CatalogCourse.objects.filter(lms_course_id=lms_course_id).first()
    if course is None:
        raise CommerceNotFound(f"no catalog course '{lms_course_id}'", field="lms_course_id")
    if price.minor < 0:
        raise CommerceError("cannot be negative", field="price")
    if sale_price is not None:
        if sale_price.currency != price.currency:
            raise CommerceError("must be in the price's currency", field="sale_price")
        if not 0 <= sale_price.minor < price.minor:
            raise CommerceError("must be below the price", field="sale_price")
    if sale_starts_at and sale_ends_at and sale_ends_at <= sale_starts_at:
        raise CommerceError("must be after the sale starts", field="sale_ends_at")
    item, _ = CatalogItem.objects.get_or_create(course=course)
    if auto_approve is not None and item.auto_approve != auto_approve:
        item.auto_approve = auto_approve
        item.save(update_fields=["auto_approve"])
    CatalogPrice.objects.update_or_create(
        item=item,
        currency=price.currency,
        defaults={
            "amount_minor": price.minor,
            "sale_amount_minor": sale_price.minor if sale_price else None,
            "sale_starts_at": sale_starts_at,
            "sale_ends_at": sale_ends_at,
        },
    )
    return item
