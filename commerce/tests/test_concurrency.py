"""Guarantees that hold only if the database serialises the right rows (PostgreSQL, threads)."""

import threading

import pytest
from django.db import connection

from cadence.kernel.errors import ApplicationError
from commerce.models import Cart, Order, OrderItem, Refund
from commerce.services import cart_item_add, checkout_start, refund_issue
from commerce.tests.factories import CouponFactory, buy, in_cart, learner_id, priced_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(calls):
    """Run each call in its own thread, all released at once; return results or errors."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except ApplicationError as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_the_last_seat_is_sold_once():
    item = priced_item(seat_cap=1)
    learners = [learner_id(f"l{n}") for n in range(4)]
    for learner in learners:
        in_cart(learner, item)

    outcomes = race(
        [lambda lid=lid: checkout_start(customer_id=lid, billing_country="US") for lid in learners]
    )

    assert sum(not isinstance(o, ApplicationError) for o in outcomes) == 1
    assert all("sold out" in o.message for o in outcomes if isinstance(o, ApplicationError))
    assert OrderItem.objects.count() == 1


def test_a_single_use_coupon_is_used_once():
    CouponFactory(code="ONLYONE", max_uses=1)
    learners = [learner_id(f"l{n}") for n in range(4)]
    for learner in learners:
        in_cart(learner, priced_item())

    race(
        [
            lambda lid=lid: checkout_start(
                customer_id=lid, billing_country="US", coupon_code="ONLYONE"
            )
            for lid in learners
        ]
    )

    assert Order.objects.exclude(coupon=None).count() == 1


def test_concurrent_refunds_never_return_more_than_was_paid():
    order, _ = buy(learner_id(), priced_item("100.00"))
    item_id = order.items.get().public_id

    race([lambda: refund_issue(order_item_id=item_id)] * 4)

    assert Refund.objects.filter(state="succeeded").count() == 1
    assert OrderItem.objects.get().refunded_minor == 10000
    assert Order.objects.get().state == "refunded"


def test_a_new_learners_first_adds_at_once_make_one_cart_with_every_course():
    learner = learner_id("two-tabs")
    first, second = priced_item(), priced_item()

    outcomes = race(
        [
            lambda item=item: cart_item_add(
                customer_id=learner, session_key=None, catalog_item_id=item.public_id
            )
            for item in (first, second, first, second)
        ]
    )

    assert not [o for o in outcomes if isinstance(o, ApplicationError)], outcomes
    [cart] = Cart.objects.filter(customer_id=learner)
    assert sorted(cart.items.values_list("item_id", flat=True)) == sorted([first.pk, second.pk])
