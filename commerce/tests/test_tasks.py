from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.models import Order, Refund
from commerce.services import checkout_start
from commerce.services.refunds import _refund_open
from commerce.tasks import pending_orders_expire, refund_send, refunds_retry
from commerce.tests.factories import CouponFactory, buy, in_cart, learner_id, priced_item

pytestmark = pytest.mark.django_db


def pending_refund(order):
    return _refund_open(
        order_item_id=order.items.get().public_id,
        amount=None,
        origin=Refund.Origin.STAFF,
        reason="",
        requested_by="",
    )


def test_refund_send_carries_out_a_pending_refund_once():
    order, _ = buy(learner_id(), priced_item())
    refund = pending_refund(order)

    assert refund_send(refund.public_id) == "succeeded"
    assert refund_send(refund.public_id) == "succeeded"

    assert Order.objects.get().state == "refunded"


def test_the_retry_sweep_resends_refunds_left_pending():
    order, _ = buy(learner_id(), priced_item())
    stale = pending_refund(order)
    Refund.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert refunds_retry() == 1

    assert Refund.objects.get().state == "succeeded"
    assert refunds_retry() == 0


def test_abandoned_checkouts_expire_and_free_their_seat_and_coupon():
    item = priced_item(seat_cap=1)
    CouponFactory(code="ONCE", max_uses=1)
    first, second = learner_id("first"), learner_id("second")
    in_cart(first, item)
    abandoned = checkout_start(customer_id=first, billing_country="US", coupon_code="ONCE")
    assert pending_orders_expire() == 0  # still fresh

    Order.objects.filter(pk=abandoned.order.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    assert pending_orders_expire() == 1
    assert pending_orders_expire() == 0

    assert Order.objects.get(pk=abandoned.order.pk).state == "cancelled"
    order, _ = buy(second, item, coupon="ONCE")
    assert order.state == "paid"
