"""Factories for commerce's tests. Courses and users enter through ``commerce.api``, as in life."""

from __future__ import annotations

from decimal import Decimal

import factory

from cadence.kernel.money import Money
from cadence.kernel.public_ids import new_public_id
from commerce import api
from commerce.models import CatalogCourse, CatalogItem, Coupon, TaxRate
from commerce.services import cart_item_add, catalog_item_price_set, checkout_start, payment_confirm


class CatalogCourseFactory(factory.Factory):
    """A course as the LMS sync delivers it, upserted through the api."""

    class Meta:
        model = dict

    course_id = factory.LazyFunction(lambda: new_public_id("crs"))
    title = factory.Sequence(lambda n: f"Course {n:03d}")
    content_creator_id = factory.LazyFunction(lambda: new_public_id("usr"))
    description = "Learn it well."

    @classmethod
    def _create(cls, model_class, **kwargs):
        api.catalog_course_upsert(**kwargs)
        return CatalogCourse.objects.get(lms_course_id=kwargs["course_id"])


def learner_id(name: str = "learner", email: str = "") -> str:
    """A learner known to commerce (as the user sync would have told it)."""
    user_id = new_public_id("usr")
    api.commerce_user_upsert(user_id=user_id, name=name, email=email or f"{name}@example.com")
    return user_id


def priced_item(
    price: str = "199.00", currency: str = "USD", *, sale: str | None = None, **fields
) -> CatalogItem:
    """A course for sale at ``price``; extra ``fields`` set on the catalog item."""
    course_fields = {k: fields.pop(k) for k in ("title", "content_creator_id") if k in fields}
    course = CatalogCourseFactory(**course_fields)
    item = catalog_item_price_set(
        lms_course_id=course.lms_course_id,
        price=Money.parse(price, currency),
        sale_price=Money.parse(sale, currency) if sale else None,
    )
    if fields:
        CatalogItem.objects.filter(pk=item.pk).update(**fields)
        item = CatalogItem.objects.get(pk=item.pk)
    return item


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = Coupon.Kind.PERCENT
    percent_off = Decimal("10")


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate

    country = "US"
    region = "CA"
    name = "California sales tax"
    percent = Decimal("7.25")


def in_cart(customer_id: str, *items: CatalogItem) -> None:
    for item in items:
        cart_item_add(customer_id=customer_id, session_key=None, catalog_item_id=item.public_id)


def buy(
    customer_id: str,
    *items: CatalogItem,
    outcome: str = "succeeds",
    coupon: str = "",
    country: str = "US",
    region: str = "",
):
    """Put ``items`` in the learner's cart, check out with the test processor, pick ``outcome``."""
    in_cart(customer_id, *items)
    started = checkout_start(
        customer_id=customer_id,
        billing_country=country,
        billing_region=region,
        coupon_code=coupon,
        processor_name="test",
    )
    payment = payment_confirm(
        payment_id=started.payment.public_id, customer_id=customer_id, outcome=outcome
    )
    return started.order.__class__.objects.get(pk=started.order.pk), payment
