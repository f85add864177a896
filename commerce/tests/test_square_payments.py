"""Paying and refunding through Square: checkout, the browser's token, the ledger and events."""

import pytest

from commerce.errors import CommerceError
from commerce.models import Order, OrderItem, Payment, Refund, RevenueLedgerEntry
from commerce.services import checkout_start, order_cancel, payment_complete, refund_issue
from commerce.services.refunds import refund_record_result
from commerce.tests.factories import in_cart, learner_id, priced_item
from commerce.tests.fake_square import DECLINED_NONCE, OK_NONCE, FakeSquare
from commerce.tests.processor_settings import (
    offer_square,
)

PAID = "cadence.commerce.order.paid.v1"
REFUNDED = "cadence.commerce.refund.completed.v1"


@pytest.fixture
def square_api(settings):
    with FakeSquare() as fake:
        offer_square(settings, fake)
        yield fake


def start(price="199.00"):
    learner = learner_id()
    in_cart(learner, priced_item(price))
    return checkout_start(customer_id=learner, billing_country="US", processor_name="square")


def pay(started, token=OK_NONCE):
    return payment_complete(
        payment_id=started.payment.public_id,
        customer_id=started.order.customer_id,
        token=token,
    )


@pytest.mark.django_db
def test_the_token_pays_the_order_with_squares_actual_fee(square_api, published):
    started = start()
    assert square_api.requests == [] and started.payment.processor_reference == ""

    payment = pay(started)

    assert payment.state == "succeeded" and payment.processor_reference.startswith("sq_pay_fake")
    assert Order.objects.get().state == "paid"
    entry = RevenueLedgerEntry.objects.get()
    assert (entry.fee_minor, entry.net_minor) == (532, 19900 - 532)
    assert [p.platform_fee for kind, o in published if kind == PAID for p in o.items] == [532]


@pytest.mark.django_db
def test_paying_again_is_one_charge_and_one_ledger_line(square_api, published):
    started = start()
    pay(started)
    pay(started)
    assert len(square_api.payments) == 1 and RevenueLedgerEntry.objects.count() == 1
    assert len(published) == 1


@pytest.mark.django_db
def test_a_declined_card_fails_the_order_and_charges_nothing(square_api, published):
    started = start()

    payment = pay(started, DECLINED_NONCE)

    assert payment.state == "failed" and payment.failure_code == "generic_decline"
    assert Order.objects.get().state == "failed"
    assert RevenueLedgerEntry.objects.count() == 0 and published == []


@pytest.mark.django_db
def test_a_fee_square_has_not_assessed_yet_falls_back_to_its_schedule(square_api):
    square_api.fee_for = lambda amount: None
    pay(start())
    # 2.9% + 30 cents of $199.00.
    assert RevenueLedgerEntry.objects.get().fee_minor == 607


@pytest.mark.django_db
def test_an_expired_checkout_is_never_charged(square_api):
    started = start()
    order_cancel(order_id=started.order.public_id)

    with pytest.raises(CommerceError):
        pay(started)

    assert square_api.payments == {} and Payment.objects.get().state == "cancelled"


@pytest.mark.django_db
def test_another_learner_cannot_complete_the_payment(square_api):
    started = start()
    with pytest.raises(CommerceError):
        payment_complete(
            payment_id=started.payment.public_id, customer_id=learner_id(), token=OK_NONCE
        )
    assert square_api.requests == []


@pytest.mark.django_db
def test_a_refund_goes_to_square_with_our_refund_id_and_completes_later(square_api, published):
    pay(start())

    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)

    body = square_api.requests[-1][2]
    assert body["idempotency_key"] == f"refund-{refund.public_id}"
    assert body["amount_money"] == {"amount": 19900, "currency": "USD"}
    refund.refresh_from_db()
    assert refund.state == "pending" and refund.processor_reference.startswith("rf_fake")
    assert not [kind for kind, _ in published if kind == REFUNDED]

    refund_record_result(refund_id=refund.public_id, status="succeeded")

    assert Refund.objects.get().state == "succeeded"
    assert [p.gross_amount for kind, p in published if kind == REFUNDED] == [19900]


@pytest.mark.django_db
def test_a_refund_square_could_not_answer_is_sent_again_as_the_same_refund(square_api, published):
    from commerce.services.refunds import refund_send

    pay(start())
    square_api.refunds_fail_with_500 = True
    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)
    assert Refund.objects.get().state == "pending" and square_api.refunds == {}

    square_api.refunds_fail_with_500 = False
    square_api.refund_status = "COMPLETED"
    refund_send(refund_id=refund.public_id)
    refund_send(refund_id=refund.public_id)

    assert Refund.objects.get().state == "succeeded" and len(square_api.refunds) == 1
    keys = {
        body["idempotency_key"] for _, path, body, _ in square_api.requests if path == "/v2/refunds"
    }
    assert keys == {f"refund-{refund.public_id}"}
    assert [kind for kind, _ in published].count(REFUNDED) == 1
