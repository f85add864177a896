"""The contract every payment processor keeps, run for each one in ``drivers.DRIVERS``.

Paying succeeds or is declined; a success webhook delivered twice at once pays once; a webhook
we cannot trust (tampered, stale) is refused with 400 and writes nothing; a partial then a full
refund return exactly what was paid; a refund the processor refuses fails and leaves the money
refundable. Amounts are the spec's $199 course.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from cadence.kernel.money import Money
from commerce.models import Order, Payment, ProcessorEvent, Refund, RevenueLedgerEntry
from commerce.services import refund_issue
from commerce.tests.contract.drivers import DRIVERS, Delivery, ProcessorDriver
from commerce.tests.factories import in_cart, learner_id, priced_item

PAID = "cadence.commerce.order.paid.v1"
REFUNDED = "cadence.commerce.refund.completed.v1"
WITH_WEBHOOKS = [d for d in DRIVERS if d.sends_webhooks]
REFUSING = [d for d in DRIVERS if d.can_refuse_refunds]


@pytest.fixture(params=DRIVERS, ids=repr)
def driver(request, settings):
    with request.param.enabled(settings) as enabled:
        yield enabled


@pytest.fixture(params=WITH_WEBHOOKS, ids=repr)
def webhook_driver(request, settings):
    with request.param.enabled(settings) as enabled:
        yield enabled


@pytest.fixture(params=REFUSING, ids=repr)
def refusing_driver(request, settings):
    with request.param.enabled(settings) as enabled:
        yield enabled


def start(driver: ProcessorDriver, price: str = "199.00"):
    learner = learner_id()
    in_cart(learner, priced_item(price))
    return driver.checkout(learner)


def deliver(driver: ProcessorDriver, delivery: Delivery):
    return Client().post(
        f"/api/v1/payments/webhooks/{driver.name}/",
        data=delivery.body,
        content_type="application/json",
        headers=delivery.headers,
    )


def paid(driver: ProcessorDriver):
    started = start(driver)
    driver.pay(started)
    return started


@pytest.mark.django_db
def test_a_payment_succeeds_and_records_the_processors_fee(driver, published):
    started = start(driver)
    assert started.order.processor == driver.name
    assert started.payment.processor == driver.name

    payment = driver.pay(started)

    fee = driver.fee(Money(19900, "USD")).minor
    assert payment.state == "succeeded" and payment.fee_minor == fee
    assert Order.objects.get().state == "paid"
    entry = RevenueLedgerEntry.objects.get()
    assert (entry.gross_minor, entry.tax_minor, entry.fee_minor) == (19900, 0, fee)
    assert entry.net_minor == 19900 - fee
    assert [(kind, p.platform_fee, p.net_amount) for kind, o in published for p in o.items] == [
        (PAID, fee, 19900 - fee)
    ]


@pytest.mark.django_db
def test_a_declined_payment_fails_the_order_and_records_nothing(driver, published):
    started = start(driver)

    payment = driver.decline(started)

    assert payment.state == "failed" and payment.failure_message
    assert Order.objects.get().state == "failed"
    assert not RevenueLedgerEntry.objects.exists() and published == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_success_webhook_delivered_twice_at_once_pays_once(webhook_driver, published):
    started = start(webhook_driver)
    delivery = webhook_driver.success_webhook(started)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver_once():
        try:
            barrier.wait()
            outcomes.append(deliver(webhook_driver, delivery).json()["outcome"])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["duplicate", "processed"]
    assert Order.objects.get().state == "paid"
    assert RevenueLedgerEntry.objects.count() == 1
    assert ProcessorEvent.objects.count() == 1
    assert [kind for kind, _ in published] == [PAID]
    fee = webhook_driver.fee(Money(19900, "USD")).minor
    assert RevenueLedgerEntry.objects.get().fee_minor == fee


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["tampered", "stale"])
def test_a_webhook_we_cannot_trust_gets_400_and_writes_nothing(webhook_driver, published, case):
    started = start(webhook_driver)
    delivery = {
        "tampered": webhook_driver.tampered_webhook,
        "stale": webhook_driver.stale_webhook,
    }[case](started)

    response = deliver(webhook_driver, delivery)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "webhook_rejected"
    assert not ProcessorEvent.objects.exists()
    assert (Order.objects.get().state, Payment.objects.get().state) == ("pending", "pending")
    assert not RevenueLedgerEntry.objects.exists() and published == []


@pytest.mark.django_db
def test_a_partial_then_a_full_refund_return_exactly_what_was_paid(driver, published):
    started = paid(driver)
    item = started.order.items.get()

    part = refund_issue(order_item_id=item.public_id, amount=Money(5000, "USD"))
    assert part.state == "succeeded"
    assert Order.objects.get().state == "partially_refunded"
    rest = refund_issue(order_item_id=item.public_id)

    assert rest.state == "succeeded" and rest.amount_minor == 14900
    assert Order.objects.get().state == "refunded"
    refunds = RevenueLedgerEntry.objects.filter(kind="refund").order_by("pk")
    assert [(r.gross_minor, r.fee_minor) for r in refunds] == [(-5000, 0), (-14900, 0)]
    assert sum(e.gross_minor for e in RevenueLedgerEntry.objects.all()) == 0
    assert [kind for kind, _ in published] == [PAID, REFUNDED, REFUNDED]
    made = driver.refunds_made(started)
    assert made is None or sorted(made) == [5000, 14900]


@pytest.mark.django_db
def test_a_refund_the_processor_refuses_fails_and_leaves_the_money_refundable(
    refusing_driver, published
):
    started = paid(refusing_driver)
    item_id = started.order.items.get().public_id

    with refusing_driver.refusing_refunds():
        refused = refund_issue(order_item_id=item_id)

    assert refused.state == "failed" and refused.failure_message
    assert Order.objects.get().state == "paid"
    assert RevenueLedgerEntry.objects.count() == 1
    assert [kind for kind, _ in published] == [PAID]
    again = refund_issue(order_item_id=item_id)
    assert again.state == "succeeded" and again.amount_minor == 19900
    assert Refund.objects.filter(state="succeeded").count() == 1
