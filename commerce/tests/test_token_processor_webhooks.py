"""Square's and Elavon's notifications through the webhook endpoint: verified before anything is
written, deduplicated by event id, and a success after a failure wins."""

import pytest
from django.test import Client

from cadence.kernel.money import Money
from commerce.models import Order, OrderItem, Payment, ProcessorEvent, Refund, RevenueLedgerEntry
from commerce.processors.square import WEBHOOK_TOLERANCE_SECONDS, SquareProcessor
from commerce.services import checkout_start, payment_complete, refund_issue
from commerce.tests.factories import in_cart, learner_id, priced_item
from commerce.tests.fake_elavon import FakeElavon, result_post
from commerce.tests.fake_square import OK_NONCE, FakeSquare, notification, signature
from commerce.tests.processor_settings import (
    SQUARE_SIGNATURE_KEY,
    SQUARE_WEBHOOK_URL,
    offer_elavon,
    offer_square,
)

KEY = SQUARE_SIGNATURE_KEY
SQUARE_URL = SQUARE_WEBHOOK_URL
PAID = "cadence.commerce.order.paid.v1"
REFUNDED = "cadence.commerce.refund.completed.v1"


@pytest.fixture
def square_api(settings):
    with FakeSquare() as fake:
        offer_square(settings, fake)
        yield fake


@pytest.fixture
def converge(settings):
    with FakeElavon() as fake:
        offer_elavon(settings, fake)
        yield fake


def start(processor):
    learner = learner_id()
    in_cart(learner, priced_item("199.00"))
    return checkout_start(customer_id=learner, billing_country="US", processor_name=processor)


def deliver_square(body: str, *, header: str | None = ""):
    headers = {}
    if header is not None:
        headers["HTTP_X_SQUARE_HMACSHA256_SIGNATURE"] = header or signature(
            body, key=KEY, url=SQUARE_URL
        )
    return Client().post(
        "/api/v1/payments/webhooks/square/", data=body, content_type="application/json", **headers
    )


def charged_behind_our_back(square_api, started) -> dict:
    """Square took the payment but our server never recorded the answer (it crashed)."""
    result = SquareProcessor().complete_payment(
        amount=Money(19900, "USD"),
        payment_id=started.payment.public_id,
        order_id=started.order.public_id,
        token=OK_NONCE,
    )
    return square_api.payments[result.reference]


@pytest.mark.django_db
def test_squares_notification_pays_an_order_the_browser_never_finished(square_api, published):
    started = start("square")
    payment = charged_behind_our_back(square_api, started)
    body = notification("payment.updated", "payment", payment, event_id="evt-sq-1")

    response = deliver_square(body)

    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    assert Order.objects.get().state == "paid"
    assert Payment.objects.get().processor_reference == payment["id"]
    assert RevenueLedgerEntry.objects.get().fee_minor == 532  # Square's processing_fee
    assert deliver_square(body).json()["outcome"] == "duplicate"
    assert RevenueLedgerEntry.objects.count() == 1 and len(published) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["tampered", "stale", "unsigned", "wrong key"])
def test_a_square_notification_we_cannot_trust_gets_400_and_writes_nothing(
    square_api, published, case
):
    started = start("square")
    payment = charged_behind_our_back(square_api, started)
    body = notification(
        "payment.updated",
        "payment",
        payment,
        age_seconds=WEBHOOK_TOLERANCE_SECONDS + 60 if case == "stale" else 0,
    )
    header = {"unsigned": None, "wrong key": signature(body, key="nope", url=SQUARE_URL)}.get(
        case, ""
    )
    if case == "tampered":
        header = signature(body, key=KEY, url=SQUARE_URL)
        body = body.replace("199", "1")

    response = deliver_square(body, header=header)

    assert response.status_code == 400 and "error" in response.json()
    assert ProcessorEvent.objects.count() == 0 and Order.objects.get().state == "pending"
    assert published == []


@pytest.mark.django_db
def test_a_square_success_after_a_failure_wins(square_api, published):
    started = start("square")
    payment = charged_behind_our_back(square_api, started)
    failed = {**payment, "status": "FAILED"}

    deliver_square(notification("payment.updated", "payment", failed))
    assert Order.objects.get().state == "failed"
    deliver_square(notification("payment.updated", "payment", payment))

    assert Order.objects.get().state == "paid" and len(published) == 1


@pytest.mark.django_db
def test_a_pending_square_refund_completes_on_its_notification(square_api, published):
    started = start("square")
    payment_complete(
        payment_id=started.payment.public_id, customer_id=started.order.customer_id, token=OK_NONCE
    )
    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)
    refund.refresh_from_db()
    assert refund.state == "pending"
    square_refund = square_api.complete_refund(refund.processor_reference)

    body = notification("refund.updated", "refund", square_refund)
    assert deliver_square(body).json()["outcome"] == "processed"
    assert deliver_square(body).json()["outcome"] == "duplicate"

    assert Refund.objects.get().state == "succeeded"
    assert [p.gross_amount for kind, p in published if kind == REFUNDED] == [19900]


def deliver_elavon(body: bytes):
    return Client().post(
        "/api/v1/payments/webhooks/elavon/",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )


@pytest.mark.django_db
def test_converges_result_post_pays_the_order_once_converge_confirms_it(converge, published):
    started = start("elavon")
    sale = converge.pay(started.client_secret)

    response = deliver_elavon(result_post(sale))

    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    assert Order.objects.get().state == "paid"
    assert Payment.objects.get().processor_reference == sale["ssl_txn_id"]
    assert deliver_elavon(result_post(sale)).json()["outcome"] == "duplicate"
    assert RevenueLedgerEntry.objects.count() == 1 and len(published) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["tampered", "stale", "forged id"])
def test_a_converge_result_post_we_cannot_trust_gets_400_and_writes_nothing(
    converge, published, case
):
    started = start("elavon")
    sale = converge.pay(started.client_secret, approved=case != "tampered")
    body = result_post(sale)
    if case == "tampered":
        body = result_post(sale, ssl_result_message="APPROVAL")
    elif case == "stale":
        converge.age(sale["ssl_txn_id"], 7200)
    else:
        body = result_post(sale, ssl_txn_id="000-FORGED")

    response = deliver_elavon(body)

    assert response.status_code == 400
    assert ProcessorEvent.objects.count() == 0 and Order.objects.get().state == "pending"
    assert published == []


@pytest.mark.django_db
def test_an_unknown_processor_has_no_webhook():
    assert (
        Client()
        .post("/api/v1/payments/webhooks/nobody/", data="{}", content_type="application/json")
        .status_code
        == 404
    )
