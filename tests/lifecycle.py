"""Building blocks for tests of flows that cross contexts: people, courses and purchases made
through each context's own services, so that every event on the way is real."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

from django.db import transaction

from cadence.kernel.money import Money
from commerce.models import CatalogItem, OrderItem
from commerce.services import catalog_item_price_set, checkout_start
from commerce.tests.factories import CouponFactory, buy, in_cart
from connectors import registry
from connectors.models import OutboxDelivery
from connectors.outbox.services import outbox_delivery_attempt
from lms.models import Course, Enrollment, User
from lms.services import course_publish, user_register
from lms.tests.factories import CourseFactory, CourseInstructorFactory

_learners = itertools.count(1)


def learner(username: str = "") -> User:
    """A learner who signed up, so commerce heard of them through the user sync."""
    username = username or f"learner{next(_learners)}"
    return user_register(
        username=username,
        email=f"{username}@example.com",
        password="a long enough password",
        first_name=username.title(),
        last_name="Example",
    )


def course_for_sale(
    price: str = "199.00", *, requires_approval: bool = True, **fields
) -> tuple[Course, CatalogItem]:
    """A course the LMS published (commerce hears it through the course sync), priced by staff."""
    course = CourseFactory(
        status=Course.Status.DRAFT, requires_approval=requires_approval, **fields
    )
    CourseInstructorFactory(course=course)
    course_publish(course=course)
    item = catalog_item_price_set(lms_course_id=course.public_id, price=Money.parse(price, "USD"))
    return course, item


def purchase(user: User, item: CatalogItem) -> OrderItem:
    """The learner buys the item with the test processor's good card; their one order item."""
    order, _payment = buy(user.public_id, item)
    return order.items.get()


def free_purchase(user: User, item: CatalogItem) -> OrderItem:
    """The learner takes the item with a 100% coupon: paid in full, for nothing."""
    coupon = CouponFactory(percent_off=Decimal("100"))
    in_cart(user.public_id, item)
    started = checkout_start(
        customer_id=user.public_id, billing_country="US", coupon_code=coupon.code
    )
    assert started.order.total_minor == 0
    return started.order.items.get()


def enrollment_of(order_item: OrderItem) -> Enrollment:
    return Enrollment.objects.get(external_order_item_id=order_item.public_id)


def pending_consumer_deliveries() -> list[OutboxDelivery]:
    """Deliveries to the cross-context consumers still waiting (webhook fan-out left out)."""
    return list(
        OutboxDelivery.objects.filter(status=OutboxDelivery.Status.PENDING)
        .exclude(consumer__startswith="webhooks:")
        .select_related("event")
    )


def deliver_all(*, shuffled: bool = False, twice: bool = False, seed: int = 7) -> int:
    """Deliver every waiting consumer delivery, in a shuffled order if asked, until none waits.

    ``twice`` also runs each consumer a second time past its processed-event record, as a
    redelivery the record missed would: only the apis' natural keys stand in the way then.
    Deliveries that fail (their target not there yet) are tried again on the next round.
    Returns the number of rounds it took.
    """
    chooser = random.Random(seed)
    for rounds in range(1, 50):
        waiting = pending_consumer_deliveries()
        if not waiting:
            return rounds - 1
        if shuffled:
            chooser.shuffle(waiting)
        for delivery in waiting:
            # Each round stands for the backoff having passed.
            outcome = outbox_delivery_attempt(delivery_id=delivery.pk, before_due=True)
            if twice and outcome.status == OutboxDelivery.Status.DELIVERED:
                redeliver(delivery)
    raise AssertionError(f"deliveries never settled: {pending_consumer_deliveries()}")


def redeliver(delivery: OutboxDelivery) -> None:
    """Run the delivery's consumer again on its event, ignoring the processed-event record."""
    event = delivery.event
    consumer = registry.consumer_named(delivery.consumer, event.event_type)
    envelope = consumer.event.envelope_from_json(
        event_id=event.event_id, occurred_at=event.occurred_at, payload=event.payload
    )
    with transaction.atomic():
        consumer.handle(envelope)
