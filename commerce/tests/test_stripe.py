import threading
import time

import pytest
from django.db import connection
from django.test import Client

from cadence.kernel.errors import ApplicationError
from commerce.models import Order, OrderItem, Payment, ProcessorEvent, Refund, RevenueLedgerEntry
from commerce.services import checkout_start, order_cancel, refund_issue
from commerce.services.carts import cart_currency_set
from commerce.services.refunds import refund_send
from commerce.tests.factories import in_cart, learner_id, priced_item
from commerce.tests.fake_stripe import FakeStripe, event, signature

WEBHOOK = "/api/v1/payments/webhooks/stripe/"
SECRET = "whsec_test_secret"
PAID = "cadence.commerce.order.paid.v1"


@pytest.fixture
def stripe_api(settings):
    with FakeStripe() as fake:
        settings.PAYMENT_PROCESSOR = "stripe"
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_WEBHOOK_SECRET = SECRET
        yield fake


def start_checkout(price="199.00"):
    learner = learner_id()
    in_cart(learner, priced_item(price))
    return checkout_start(customer_id=learner, billing_country="US")


def deliver(client, payload: str, header: str | None = None, **extra):
    headers = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}
    return client.post(WEBHOOK, data=payload, content_type="application/json", **headers, **extra)


@pytest.mark.django_db
def test_checkout_opens_a_payment_intent_with_automatic_payment_methods(stripe_api):
    started = start_checkout()

    method, path, form, headers = stripe_api.requests[0]
    assert (method, path) == ("POST", "/v1/payment_intents")
    assert form["amount"] == "19900" and form["currency"] == "usd"
    assert form["automatic_payment_methods[enabled]"] == "true"
    assert form["metadata[payment_id]"] == started.payment.public_id
    assert headers["Idempotency-Key"] == f"create-{started.payment.public_id}"
    assert started.payment.processor_reference.startswith("pi_fake")
    assert started.client_secret.endswith("_secret_abc")
    assert started.order.state == "pending"


@pytest.mark.django_db
def test_a_signed_succeeded_event_pays_the_order_with_stripes_actual_fee(stripe_api, published):
    started = start_checkout()
    intent = stripe_api.succeed(started.payment.processor_reference, fee=620)
    payload = event("payment_intent.succeeded", intent)

    response = deliver(Client(), payload, signature(payload, SECRET))

    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    assert Order.objects.get().state == "paid"
    entry = RevenueLedgerEntry.objects.get()
    assert (entry.fee_minor, entry.net_minor) == (620, 19280)
    assert [p.platform_fee for kind, o in published if kind == PAID for p in o.items] == [620]
    # The same delivery again is acknowledged and changes nothing.
    assert deliver(Client(), payload, signature(payload, SECRET)).json()["outcome"] == "duplicate"
    assert RevenueLedgerEntry.objects.count() == 1 and len(published) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["tampered", "stale", "unsigned", "wrong secret", "not json"])
def test_a_webhook_we_cannot_trust_gets_400_and_writes_nothing(stripe_api, published, case):
    started = start_checkout()
    intent = stripe_api.succeed(started.payment.processor_reference, fee=620)
    payload = event("payment_intent.succeeded", intent)
    header = {
        "tampered": signature(payload, SECRET),
        "stale": signature(payload, SECRET, timestamp=int(time.time()) - 301),
        "unsigned": None,
        "wrong secret": signature(payload, "whsec_other"),
        "not json": signature("{not json", SECRET),
    }[case]
    if case == "tampered":
        payload = payload.replace('"amount": 19900', '"amount": 1')
    if case == "not json":
        payload = "{not json"

    response = deliver(Client(), payload, header)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "webhook_rejected"
    assert not ProcessorEvent.objects.exists()
    assert Order.objects.get().state == "pending" and Payment.objects.get().state == "pending"
    assert not RevenueLedgerEntry.objects.exists() and published == []


@pytest.mark.django_db
@pytest.mark.parametrize("order_of_events", [("failed", "succeeded"), ("succeeded", "failed")])
def test_events_in_any_order_end_in_the_same_paid_state(stripe_api, order_of_events):
    started = start_checkout()
    reference = started.payment.processor_reference
    declined = event("payment_intent.payment_failed", dict(stripe_api.decline(reference)))
    succeeded = event("payment_intent.succeeded", dict(stripe_api.succeed(reference, fee=607)))
    payloads = {"failed": declined, "succeeded": succeeded}

    for name in order_of_events:
        deliver(Client(), payloads[name], signature(payloads[name], SECRET))

    assert Order.objects.get().state == "paid"
    assert Payment.objects.get().state == "succeeded"
    assert RevenueLedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_declined_event_fails_the_order(stripe_api):
    started = start_checkout()
    payload = event(
        "payment_intent.payment_failed", stripe_api.decline(started.payment.processor_reference)
    )
    deliver(Client(), payload, signature(payload, SECRET))
    payment = Payment.objects.get()
    assert (payment.state, payment.failure_code) == ("failed", "generic_decline")
    assert Order.objects.get().state == "failed"


@pytest.mark.django_db
def test_the_return_page_reads_the_payment_back_from_stripe(stripe_api, client, django_user_model):
    user = django_user_model.objects.create_user(username="lena", password="pw")
    in_cart(user.public_id, priced_item("50.00"))
    started = checkout_start(customer_id=user.public_id, billing_country="US")
    client.force_login(user)

    pay_page = client.get(f"/checkout/payments/{started.payment.public_id}/pay/").content.decode()
    assert "payment-element" in pay_page and started.client_secret in pay_page
    assert 'name="card' not in pay_page.lower() and "cardnumber" not in pay_page.lower()

    stripe_api.succeed(started.payment.processor_reference, fee=175)
    response = client.get(f"/checkout/payments/{started.payment.public_id}/return/")

    assert response.status_code == 302
    assert Order.objects.get().state == "paid"
    assert RevenueLedgerEntry.objects.get().fee_minor == 175


@pytest.mark.django_db
def test_refunds_go_to_stripe_with_our_refund_id_as_idempotency_key(stripe_api):
    started = start_checkout("80.00")
    intent = stripe_api.succeed(started.payment.processor_reference, fee=262)
    payload = event("payment_intent.succeeded", intent)
    deliver(Client(), payload, signature(payload, SECRET))

    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)
    refund_send(refund_id=refund.public_id)  # asking again is harmless

    assert refund.state == "succeeded" and refund.processor_reference.startswith("re_fake")
    sent = [r for r in stripe_api.requests if r[1] == "/v1/refunds"]
    assert len(sent) == 1
    _, _, form, headers = sent[0]
    assert headers["Idempotency-Key"] == f"refund-{refund.public_id}"
    assert (form["amount"], form["payment_intent"]) == ("8000", intent["id"])
    assert Order.objects.get().state == "refunded"


@pytest.mark.django_db
def test_a_pending_stripe_refund_completes_on_its_webhook(stripe_api, published):
    started = start_checkout("80.00")
    intent = stripe_api.succeed(started.payment.processor_reference, fee=262)
    payload = event("payment_intent.succeeded", intent)
    deliver(Client(), payload, signature(payload, SECRET))
    stripe_api.post = _pending_refunds(stripe_api.post)

    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)
    assert refund.state == "pending"
    update = event(
        "refund.updated",
        {"id": refund.processor_reference or "re_x", "object": "refund", "status": "succeeded",
         "payment_intent": intent["id"], "metadata": {"refund_id": refund.public_id}},
    )  # fmt: skip
    deliver(Client(), update, signature(update, SECRET))

    assert Refund.objects.get().state == "succeeded"
    assert Order.objects.get().state == "refunded"
    assert [kind for kind, _ in published].count("cadence.commerce.refund.completed.v1") == 1


def _pending_refunds(post):
    def answer(path, form):
        status, body = post(path, form)
        if path == "/v1/refunds":
            body = {**body, "status": "pending"}
        return status, body

    return answer


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_event_delivered_five_times_at_once_pays_once(stripe_api, published):
    started = start_checkout()
    intent = stripe_api.succeed(started.payment.processor_reference, fee=607)
    payload = event("payment_intent.succeeded", intent)
    header = signature(payload, SECRET)
    barrier = threading.Barrier(5)
    statuses = []

    def deliver_once():
        try:
            barrier.wait()
            statuses.append(deliver(Client(), payload, header).json()["outcome"])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_once) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == ["duplicate"] * 4 + ["processed"]
    assert Order.objects.filter(state="paid").count() == 1
    assert Payment.objects.count() == 1
    assert RevenueLedgerEntry.objects.count() == 1
    assert [kind for kind, _ in published] == [PAID]
    assert ProcessorEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_stripe_outage_at_checkout_fails_the_order_and_charges_nothing(stripe_api, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    learner = learner_id()
    in_cart(learner, priced_item())

    with pytest.raises(ApplicationError) as refused:
        checkout_start(customer_id=learner, billing_country="US")

    assert refused.value.status_code == 502
    assert Order.objects.get().state == "failed"
    assert Payment.objects.get().failure_code == "processor_unavailable"


@pytest.mark.django_db
def test_a_webhook_whose_fee_cannot_be_read_gets_503_so_stripe_retries(stripe_api, settings):
    started = start_checkout()
    intent = stripe_api.succeed(started.payment.processor_reference, fee=607)
    payload = event("payment_intent.succeeded", intent)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = deliver(Client(), payload, signature(payload, SECRET))

    assert response.status_code == 503
    assert not ProcessorEvent.objects.exists() and Order.objects.get().state == "pending"


@pytest.mark.django_db
def test_a_refund_stripe_refuses_fails_and_leaves_the_amount_refundable(stripe_api):
    started = start_checkout("80.00")
    intent = stripe_api.succeed(started.payment.processor_reference, fee=262)
    payload = event("payment_intent.succeeded", intent)
    deliver(Client(), payload, signature(payload, SECRET))
    original = stripe_api.post
    stripe_api.post = lambda path, form: (
        (400, {"error": {"type": "invalid_request_error", "message": "charge disputed"}})
        if path == "/v1/refunds"
        else original(path, form)
    )

    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)

    assert refund.state == "failed" and "charge disputed" in refund.failure_message
    assert Order.objects.get().state == "paid"
    assert RevenueLedgerEntry.objects.count() == 1
    stripe_api.post = original
    assert refund_issue(order_item_id=OrderItem.objects.get().public_id).state == "succeeded"


@pytest.mark.django_db
def test_cancelling_a_pending_order_cancels_its_payment_intent(stripe_api):
    started = start_checkout()
    order_cancel(order_id=started.order.public_id)

    assert stripe_api.intents[started.payment.processor_reference]["status"] == "canceled"
    assert (Order.objects.get().state, Payment.objects.get().state) == ("cancelled", "cancelled")


@pytest.mark.django_db
def test_a_success_that_beat_the_cancel_still_pays_the_order(stripe_api):
    started = start_checkout()
    intent = stripe_api.succeed(started.payment.processor_reference, fee=607)
    order_cancel(order_id=started.order.public_id)  # Stripe refuses: it was already paid
    payload = event("payment_intent.succeeded", intent)

    deliver(Client(), payload, signature(payload, SECRET))

    assert Order.objects.get().state == "paid"
    assert RevenueLedgerEntry.objects.count() == 1


def start_checkout_in(currency: str, price: str):
    learner = learner_id()
    cart_currency_set(customer_id=learner, session_key=None, currency=currency)
    in_cart(learner, priced_item(price, currency))
    return checkout_start(customer_id=learner, billing_country="DE")


@pytest.mark.django_db
def test_a_eur_charge_on_a_usd_account_records_the_fee_in_eur_and_keeps_stripes_usd_fee(
    stripe_api, published
):
    started = start_checkout_in("EUR", "199.00")
    # Stripe settles in USD at 1.0853 USD per EUR and charges $6.50: €5.99 in the order's money.
    intent = stripe_api.succeed(
        started.payment.processor_reference, fee=650, settlement="usd", exchange_rate=1.0853
    )
    payload = event("payment_intent.succeeded", intent)

    response = deliver(Client(), payload, signature(payload, SECRET))

    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    assert Order.objects.get().state == "paid"
    payment = Payment.objects.get()
    assert (payment.fee_minor, payment.settlement_fee_minor) == (599, 650)
    assert payment.settlement_currency == "USD"
    assert str(payment.exchange_rate).rstrip("0") == "1.0853"
    entry = RevenueLedgerEntry.objects.get()
    assert (entry.currency, entry.fee_minor, entry.net_minor) == ("EUR", 599, 19900 - 599)
    assert [
        (p.currency, p.platform_fee) for kind, o in published if kind == PAID for p in o.items
    ] == [("EUR", 599)]


@pytest.mark.django_db
def test_a_fee_in_another_currency_without_a_rate_is_recorded_from_the_schedule_not_a_500(
    stripe_api,
):
    started = start_checkout_in("EUR", "199.00")
    intent = stripe_api.succeed(started.payment.processor_reference, fee=650, settlement="usd")
    payload = event("payment_intent.succeeded", intent)

    response = deliver(Client(), payload, signature(payload, SECRET))

    assert response.status_code == 200
    payment = Payment.objects.get()
    assert (payment.fee_minor, payment.settlement_fee_minor) == (602, 650)  # 2.9 % + €0.25
    assert Order.objects.get().state == "paid"


@pytest.mark.django_db
def test_a_refund_whose_answer_is_lost_stays_pending_and_is_retried_with_the_same_key(
    stripe_api, published
):
    started = start_checkout("80.00")
    intent = stripe_api.succeed(started.payment.processor_reference, fee=262)
    payload = event("payment_intent.succeeded", intent)
    deliver(Client(), payload, signature(payload, SECRET))
    item_id = OrderItem.objects.get().public_id
    stripe_api.refund_answers_lost = True

    refund = refund_issue(order_item_id=item_id)

    assert refund.state == "pending"  # Stripe made it, but we cannot know that yet
    assert len(stripe_api.refunds) == 1
    again = refund_issue(order_item_id=item_id)  # staff issue it again: the same refund
    assert again.public_id == refund.public_id and again.state == "pending"
    stripe_api.refund_answers_lost = False

    done = refund_send(refund_id=refund.public_id)  # the retry task, once Stripe answers

    assert done.state == "succeeded"
    assert len(stripe_api.refunds) == 1, "the customer was refunded once"
    keys = {r[3]["Idempotency-Key"] for r in stripe_api.requests if r[1] == "/v1/refunds"}
    assert keys == {f"refund-{refund.public_id}"}
    assert Refund.objects.count() == 1 and Order.objects.get().state == "refunded"
    assert RevenueLedgerEntry.objects.filter(kind="refund").count() == 1
