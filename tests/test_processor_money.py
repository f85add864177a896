"""Every payment processor's money, end to end: the spec's $199 course paid with each one.

The fee the processor reports goes into the revenue ledger, the net is split 40/30/30 in payouts
to the cent, reconciliation finds nothing, and a refund after the payout takes the paid shares
back from the next one. Drivers are the contract suite's (``commerce/tests/contract``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.models import RevenueLedgerEntry
from commerce.services import refund_issue
from commerce.tests.contract.drivers import DRIVERS
from commerce.tests.factories import in_cart
from lms.services import enrollment_approve
from lms.tests.factories import StaffFactory
from payouts.services.batches import payout_batch_run
from payouts.tests.helpers import payee_ready
from tests.lifecycle import enrollment_of, learner
from tests.test_lifecycle import graded_course, learn_and_get_graded, nothing_wrong, shares

# Per processor, on $199.00 with no tax: (its fee, the creator's 40 %, the instructor pool's 30 %,
# the platform's 30 %) of the net, by largest remainder.
EXPECTED = {
    "test": (607, 7717, 5788, 5788),  # the schedule: 2.9 % + 30¢
    "stripe": (620, 7712, 5784, 5784),  # Stripe's balance transaction
    "square": (532, 7747, 5811, 5810),  # Square's processing_fee (the stand-in's 2.6 % + 15¢)
    "elavon": (508, 7757, 5818, 5817),  # the schedule configured for Elavon: 2.5 % + 10¢
    "paypal": (744, 7662, 5747, 5747),  # the capture's paypal_fee: 3.49 % + 49¢
}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=DRIVERS, ids=repr)
def driver(request, settings):
    with request.param.enabled(settings) as enabled:
        yield enabled


def bought_with(driver, student, item):
    in_cart(student.public_id, item)
    started = driver.checkout(student.public_id)
    driver.pay(started)
    return started.order.items.get()


def test_the_199_dollar_sale_has_the_processors_fee_and_an_exact_split(driver):
    fee, creator, pool, platform = EXPECTED[driver.name]
    _course, item, _lesson, _instructor = graded_course()

    order_item = bought_with(driver, learner(), item)

    sale = RevenueLedgerEntry.objects.get()
    assert (sale.gross_minor, sale.fee_minor, sale.net_minor) == (19900, fee, 19900 - fee)
    assert creator + pool + platform == 19900 - fee
    assert shares(order_item) == {
        "content-creator": (creator, "pending"),
        "instructor": (pool, "pending"),
        "platform": (platform, "pending"),
    }
    nothing_wrong()


def test_a_refund_after_the_payout_takes_the_paid_shares_back(driver):
    fee, creator, pool, platform = EXPECTED[driver.name]
    student, staff = learner(), StaffFactory()
    course, item, lesson, instructor = graded_course()
    order_item = bought_with(driver, student, item)
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    learn_and_get_graded(order_item, lesson, instructor, student, staff)
    payee_ready(course.content_creator.public_id)
    payee_ready(instructor.public_id)
    payout_batch_run(now=timezone.now() + timedelta(days=31))
    assert shares(order_item) == {
        "content-creator": (creator, "paid"),
        "instructor": (pool, "paid"),
        "platform": (platform, "confirmed"),
    }
    nothing_wrong()

    refund = refund_issue(order_item_id=order_item.public_id, reason="Chargeback")

    assert refund.state == "succeeded"
    line = RevenueLedgerEntry.objects.get(kind="refund")
    assert (line.gross_minor, line.fee_minor, line.net_minor) == (-19900, 0, -19900)
    # The processor keeps its fee: the sale and its refund leave exactly that loss.
    assert sum(e.net_minor for e in RevenueLedgerEntry.objects.all()) == -fee
    assert shares(order_item) == {
        "content-creator": (0, "confirmed,paid"),
        "instructor": (0, "confirmed,paid"),
        "platform": (platform, "reversed"),
    }
    nothing_wrong()
