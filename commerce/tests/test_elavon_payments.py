"""Paying and refunding through Elavon Converge: checkout, the verified sale, ledger and events."""

import pytest

from commerce.errors import CommerceError
from commerce.models import Order, OrderItem, Payment, Refund, RevenueLedgerEntry
from commerce.services import checkout_start, order_cancel, payment_complete, refund_issue
from commerce.tests.factories import in_cart, learner_id, priced_item
from commerce.tests.fake_elavon import FakeElavon
from commerce.tests.processor_settings import offer_elavon

PAID = "cadence.commerce.order.paid.v1"
REFUNDED = "cadence.commerce.refund.completed.v1"


@pytest.fixture
def converge(settings):
    with FakeElavon() as fake:
        offer_elavon(settings, fake)
        settings.ELAVON_FEE_PERCENT = "2.5"
        settings.ELAVON_FEE_FIXED = {**settings.COMMERCE_FEE_FIXED, "USD": "0.10"}
        yield fake


def start(price="199.00"):
    learner = learner_id()
    in_cart(learner, priced_item(price))
    return checkout_start(customer_id=learner, billing_country="US", processor_name="elavon")


def complete(started, txn_id):
    return payment_complete(
        payment_id=started.payment.public_id, customer_id=started.order.customer_id, token=txn_id
    )


@pytest.mark.django_db
def test_a_verified_sale_pays_the_order_with_the_operators_fee_schedule(converge, published):
    started = start()
    sale = converge.pay(started.client_secret)

    payment = complete(started, sale["ssl_txn_id"])

    assert payment.state == "succeeded" and payment.processor_reference == sale["ssl_txn_id"]
    assert Order.objects.get().state == "paid"
    entry = RevenueLedgerEntry.objects.get()
    # 2.5% + 10 cents of $199.00, the schedule configured for Elavon.
    assert (entry.fee_minor, entry.net_minor) == (508, 19900 - 508)
    assert [p.platform_fee for kind, o in published if kind == PAID for p in o.items] == [508]
    complete(started, sale["ssl_txn_id"])
    assert RevenueLedgerEntry.objects.count() == 1 and len(published) == 1


@pytest.mark.django_db
def test_a_sale_of_another_payment_is_refused_and_nothing_is_written(converge, published):
    started, other = start(), start("149.00")
    sale_of_other = converge.pay(other.client_secret)

    with pytest.raises(CommerceError):
        complete(started, sale_of_other["ssl_txn_id"])

    assert Payment.objects.get(pk=started.payment.pk).state == "pending"
    assert Payment.objects.get(pk=started.payment.pk).processor_reference == ""
    assert RevenueLedgerEntry.objects.count() == 0 and published == []


@pytest.mark.django_db
def test_a_declined_sale_fails_the_order(converge):
    started = start()
    payment = complete(started, converge.pay(started.client_secret, approved=False)["ssl_txn_id"])
    assert payment.state == "failed" and Order.objects.get().state == "failed"


@pytest.mark.django_db
def test_a_sale_made_after_the_checkout_expired_still_pays_it(converge, published):
    started = start()
    order_cancel(order_id=started.order.public_id)
    sale = converge.pay(started.client_secret)

    complete(started, sale["ssl_txn_id"])

    assert Order.objects.get().state == "paid" and len(published) == 1


@pytest.mark.django_db
def test_a_refund_is_a_converge_return(converge, published):
    started = start()
    complete(started, converge.pay(started.client_secret)["ssl_txn_id"])

    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)

    returns = [t for t in converge.transactions.values() if t["ssl_transaction_type"] == "RETURN"]
    assert [(t["ssl_amount"], t["ssl_invoice_number"]) for t in returns] == [
        ("199.00", refund.public_id)
    ]
    assert Refund.objects.get().state == "succeeded"
    assert [p.gross_amount for kind, p in published if kind == REFUNDED] == [19900]


@pytest.mark.django_db
def test_an_approved_sale_after_a_declined_one_wins_and_is_what_refunds_return(converge, published):
    started = start()
    declined = converge.pay(started.client_secret, approved=False)
    complete(started, declined["ssl_txn_id"])
    assert Order.objects.get().state == "failed"

    approved = converge.pay(started.client_secret)
    complete(started, approved["ssl_txn_id"])

    assert Order.objects.get().state == "paid" and len(published) == 1
    assert Payment.objects.get().processor_reference == approved["ssl_txn_id"]
    refund_issue(order_item_id=OrderItem.objects.get().public_id)
    returns = [t for t in converge.transactions.values() if t["ssl_transaction_type"] == "RETURN"]
    assert [t["ssl_orig_txn_id"] for t in returns] == [approved["ssl_txn_id"]]
