import time

import pytest
from django.db import transaction

from commerce import api
from commerce.models import Order, Refund
from commerce.tests.factories import buy, learner_id, priced_item

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def eventually(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_rejection_refund_is_sent_after_commit_by_a_real_worker(celery_worker):
    order, _ = buy(learner_id(), priced_item("75.00"))
    item_id = order.items.get().public_id

    with transaction.atomic():
        api.order_item_enrollment_rejected(
            order_item_id=item_id, enrollment_id="enr_1", reason="Course is full"
        )
        # Inside the transaction nothing has been sent to the processor yet.
        assert Refund.objects.get().state == "pending"

    assert eventually(lambda: Refund.objects.get().state == "succeeded"), celery_worker.log()
    assert Order.objects.get().state == "refunded"
    assert "commerce.refund_send" in celery_worker.log()
