"""PayPal through the real paypal-server-sdk against a local fake of PayPal's HTTP API."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cadence.kernel.errors import ApplicationError
from cadence.kernel.money import Money
from commerce.models import Order, OrderItem, Payment, ProcessorEvent, Refund, RevenueLedgerEntry
from commerce.services import checkout_start, order_cancel, refund_issue
from commerce.services.carts import cart_currency_set
from commerce.services.payments import payment_confirm
from commerce.services.refunds import refund_send
from commerce.tests import fake_paypal
from commerce.tests.factories import in_cart, learner_id, priced_item

WEBHOOK = "/api/v1/payments/webhooks/paypal/"
REFUNDED = "cadence.commerce.refund.completed.v1"


@pytest.fixture
def paypal_api(settings):
    with fake_paypal.FakePayPal() as fake:
        settings.PAYMENT_PROCESSORS = ["paypal"]
        settings.PAYPAL_CLIENT_ID = fake_paypal.CLIENT_ID
        settings.PAYPAL_SECRET = fake_paypal.SECRET
        settings.PAYPAL_WEBHOOK_ID = fake_paypal.WEBHOOK_ID
        settings.PAYPAL_API_BASE = fake.url
        yield fake


def start(price="199.00", currency="USD"):
    learner = learner_id()
    if currency != "USD":
        cart_currency_set(customer_id=learner, session_key=None, currency=currency)
    in_cart(learner, priced_item(price, currency))
    return checkout_start(customer_id=learner, billing_country="US", processor_name="paypal")


def capture(started):
    return payment_confirm(
        payment_id=started.payment.public_id, customer_id=started.order.customer_id
    )


def sent(fake, path_end):
    return [r for r in fake.requests if r[1].endswith(path_end)]


def deliver(body, headers):
    return Client().post(WEBHOOK, data=body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_checkout_creates_a_paypal_order_for_the_total_with_our_ids(paypal_api):
    started = start()

    method, _path, headers, body = sent(paypal_api, "/v2/checkout/orders")[0]
    assert (
        method == "POST" and headers["PayPal-Request-Id"] == f"create-{started.payment.public_id}"
    )
    assert headers["Authorization"].startswith("Bearer A21AA")
    assert body["intent"] == "CAPTURE"
    unit = body["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "USD", "value": "199.00"}
    assert unit["custom_id"] == started.payment.public_id
    assert unit["invoice_id"] == started.order.public_id
    assert started.payment.processor_reference in paypal_api.orders
    assert (started.order.state, started.payment.processor) == ("pending", "paypal")


@pytest.mark.django_db
def test_a_zero_decimal_currency_is_sent_without_decimals(paypal_api):
    start("2500", "JPY")
    unit = sent(paypal_api, "/v2/checkout/orders")[0][3]["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "JPY", "value": "2500"}


@pytest.mark.django_db
def test_capturing_an_approved_order_records_paypals_fee_from_the_capture(paypal_api, published):
    started = start()
    paypal_api.approve(started.payment.processor_reference, fee="7.44")

    payment = capture(started)
    capture(started)  # asked again (two tabs): still one capture

    assert payment.state == "succeeded" and payment.fee_minor == 744
    captures = sent(paypal_api, "/capture")
    assert {r[2]["PayPal-Request-Id"] for r in captures} == {
        f"capture-{started.payment.processor_reference}"
    }
    assert len(paypal_api.captures) == 1
    entry = RevenueLedgerEntry.objects.get()
    assert (entry.fee_minor, entry.net_minor) == (744, 19900 - 744)


@pytest.mark.django_db
def test_an_order_the_buyer_has_not_approved_stays_pending(paypal_api):
    started = start()
    assert capture(started).state == "pending"
    assert Order.objects.get().state == "pending"


@pytest.mark.django_db
def test_an_order_captured_already_is_read_back_not_captured_twice(paypal_api):
    started = start()
    paypal_api.approve(started.payment.processor_reference, fee="7.44")
    paypal_api.capture(started.payment.processor_reference)  # our answer was lost

    payment = capture(started)

    assert payment.state == "succeeded" and payment.fee_minor == 744
    assert len(paypal_api.captures) == 1


@pytest.mark.django_db
def test_a_declined_funding_source_fails_the_order(paypal_api):
    started = start()
    paypal_api.approve(started.payment.processor_reference, declines=True)

    payment = capture(started)

    assert (payment.state, payment.failure_code) == ("failed", "instrument_declined")
    assert "declined" in payment.failure_message
    assert Order.objects.get().state == "failed" and not RevenueLedgerEntry.objects.exists()


@pytest.mark.django_db
def test_a_paypal_outage_at_checkout_fails_the_order_and_charges_nothing(paypal_api, settings):
    settings.PAYPAL_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    learner = learner_id()
    in_cart(learner, priced_item())

    with pytest.raises(ApplicationError) as refused:
        checkout_start(customer_id=learner, billing_country="US", processor_name="paypal")

    assert refused.value.status_code == 502
    assert Order.objects.get().state == "failed"


@pytest.mark.django_db
def test_a_success_webhook_is_verified_with_paypal_and_pays_with_the_captures_fee(paypal_api):
    started = start()
    paypal_api.approve(started.payment.processor_reference, fee="7.44")
    event = paypal_api.event(
        "PAYMENT.CAPTURE.COMPLETED", paypal_api.capture(started.payment.processor_reference)
    )
    body, headers = paypal_api.delivery(event)

    response = deliver(body, headers)

    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    assert Payment.objects.get().fee_minor == 744 and Order.objects.get().state == "paid"
    _, _, verify_headers, verify = sent(paypal_api, "/verify-webhook-signature")[0]
    assert verify_headers["Authorization"].startswith("Bearer ")
    assert verify["webhook_id"] == fake_paypal.WEBHOOK_ID
    assert verify["transmission_id"] == headers["PAYPAL-TRANSMISSION-ID"]
    assert verify["transmission_sig"] == headers["PAYPAL-TRANSMISSION-SIG"]
    assert verify["cert_url"] == headers["PAYPAL-CERT-URL"]
    assert verify["auth_algo"] == "SHA256withRSA"
    assert verify["webhook_event"] == json.loads(body)
    assert deliver(body, headers).json()["outcome"] == "duplicate"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", ["no signature", "other webhook id", "future", "sent long ago", "not json"]
)
def test_a_webhook_we_cannot_trust_gets_400_and_writes_nothing(paypal_api, settings, case):
    started = start()
    paypal_api.approve(started.payment.processor_reference, fee="7.44")
    event = paypal_api.event(
        "PAYMENT.CAPTURE.COMPLETED", paypal_api.capture(started.payment.processor_reference)
    )
    now = datetime.now(UTC)
    sent_at = {"future": now + timedelta(minutes=6), "sent long ago": now - timedelta(days=2)}
    body, headers = paypal_api.delivery(event, sent_at=sent_at.get(case))
    if case == "no signature":
        del headers["PAYPAL-TRANSMISSION-SIG"]
    if case == "other webhook id":
        settings.PAYPAL_WEBHOOK_ID = "WH-ID-SOMEONE-ELSES"
    if case == "not json":
        body = b"{not json"

    response = deliver(body, headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "webhook_rejected"
    assert not ProcessorEvent.objects.exists() and Order.objects.get().state == "pending"
    assert not RevenueLedgerEntry.objects.exists()


@pytest.mark.django_db
def test_a_webhook_paypal_cannot_be_asked_about_gets_503_so_paypal_delivers_again(
    paypal_api, settings
):
    started = start()
    paypal_api.approve(started.payment.processor_reference, fee="7.44")
    event = paypal_api.event(
        "PAYMENT.CAPTURE.COMPLETED", paypal_api.capture(started.payment.processor_reference)
    )
    body, headers = paypal_api.delivery(event)
    settings.PAYPAL_API_BASE = "http://127.0.0.1:9"

    response = deliver(body, headers)

    assert response.status_code == 503
    assert not ProcessorEvent.objects.exists() and Order.objects.get().state == "pending"


@pytest.mark.django_db
def test_a_declined_capture_webhook_fails_the_order(paypal_api):
    started = start()
    resource = {
        "id": "3C6DECLINED",
        "status": "DECLINED",
        "custom_id": started.payment.public_id,
        "status_details": {"reason": "DECLINED_BY_RISK_FRAUD_FILTERS"},
        "supplementary_data": {"related_ids": {"order_id": started.payment.processor_reference}},
    }
    body, headers = paypal_api.delivery(paypal_api.event("PAYMENT.CAPTURE.DECLINED", resource))

    assert deliver(body, headers).json()["outcome"] == "processed"

    payment = Payment.objects.get()
    assert (payment.state, payment.failure_code) == ("failed", "declined_by_risk_fraud_filters")


def paid_order(paypal_api, price="80.00"):
    started = start(price)
    paypal_api.approve(started.payment.processor_reference, fee="3.28")
    capture(started)
    return started


@pytest.mark.django_db
def test_refunds_go_to_the_capture_with_our_refund_id_as_paypal_request_id(paypal_api):
    started = paid_order(paypal_api)
    item_id = OrderItem.objects.get().public_id

    part = refund_issue(order_item_id=item_id, amount=Money(3000, "USD"))
    rest = refund_issue(order_item_id=item_id)

    assert (part.state, rest.state) == ("succeeded", "succeeded")
    requests = sent(paypal_api, "/refund")
    capture_id = next(iter(paypal_api.captures))
    assert [r[1] for r in requests] == [f"/v2/payments/captures/{capture_id}/refund"] * 2
    assert [r[2]["PayPal-Request-Id"] for r in requests] == [
        f"refund-{part.public_id}",
        f"refund-{rest.public_id}",
    ]
    assert [r[3]["amount"] for r in requests] == [
        {"currency_code": "USD", "value": "30.00"},
        {"currency_code": "USD", "value": "50.00"},
    ]
    assert requests[0][3]["custom_id"] == part.public_id
    assert part.processor_reference in paypal_api.refunds
    assert Order.objects.get().state == "refunded"
    assert started.order.public_id == Order.objects.get().public_id


@pytest.mark.django_db
def test_a_refund_whose_answer_is_lost_stays_pending_and_is_retried_with_the_same_id(
    paypal_api, published
):
    paid_order(paypal_api)
    item_id = OrderItem.objects.get().public_id
    paypal_api.refund_answers_lost = True

    refund = refund_issue(order_item_id=item_id)

    assert refund.state == "pending" and len(paypal_api.refunds) == 1
    paypal_api.refund_answers_lost = False
    done = refund_send(refund_id=refund.public_id)

    assert done.state == "succeeded"
    assert len(paypal_api.refunds) == 1, "the buyer was refunded once"
    assert {r[2]["PayPal-Request-Id"] for r in sent(paypal_api, "/refund")} == {
        f"refund-{refund.public_id}"
    }
    assert [kind for kind, _ in published].count(REFUNDED) == 1


@pytest.mark.django_db
def test_a_pending_refund_completes_on_paypals_refund_webhook(paypal_api, published):
    paid_order(paypal_api)
    paypal_api.refund_answers_lost = True
    refund = refund_issue(order_item_id=OrderItem.objects.get().public_id)
    paypal_api.refund_answers_lost = False
    made = next(iter(paypal_api.refunds.values()))

    body, headers = paypal_api.delivery(paypal_api.event("PAYMENT.CAPTURE.REFUNDED", made))
    assert deliver(body, headers).json()["outcome"] == "processed"

    refund = Refund.objects.get()
    assert refund.state == "succeeded" and refund.processor_reference == made["id"]
    assert Order.objects.get().state == "refunded"
    assert [kind for kind, _ in published].count(REFUNDED) == 1


@pytest.mark.django_db
def test_cancelling_a_pending_order_means_it_is_never_captured(paypal_api):
    started = start()
    order_cancel(order_id=started.order.public_id)
    paypal_api.approve(started.payment.processor_reference, fee="7.44")  # too late

    payment = capture(started)

    assert payment.state == "cancelled" and not paypal_api.captures


@pytest.fixture
def lena(django_user_model):
    return django_user_model.objects.create_user(username="lena", password="pw")


def csp(response) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:]
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip()
    }


@pytest.mark.django_db
def test_the_checkout_page_shows_paypals_buttons_and_trusts_paypal_only_when_offered(
    paypal_api, settings, client, lena
):
    settings.PAYMENT_PROCESSORS = ["test", "paypal"]
    in_cart(lena.public_id, priced_item("199.00"))
    client.force_login(lena)

    response = client.get("/checkout/")
    page = response.content.decode()

    assert 'id="paypal-buttons"' in page
    assert (
        "https://www.paypal.com/sdk/js?client-id=paypal-client-id&amp;currency=USD"
        "&amp;intent=capture" in page
    )
    assert fake_paypal.SECRET not in page
    policy = csp(response)
    assert "https://*.paypal.com" in policy["script-src"] and "'self'" in policy["script-src"]
    assert policy["frame-src"] == ["https://*.paypal.com"]
    assert "https://*.paypal.com" in policy["connect-src"]
    assert "'unsafe-inline'" not in policy["script-src"]

    settings.PAYMENT_PROCESSORS = ["test"]
    without = client.get("/checkout/")
    assert "paypal" not in without.content.decode().lower()
    assert "paypal" not in without.headers["Content-Security-Policy"]
    assert "paypal" not in client.get("/orders/").headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_what_paypals_buttons_call_places_the_order_and_captures_it(paypal_api, lena):
    """The server side of the flow PayPal's JS drives (the JS itself cannot load offline)."""
    in_cart(lena.public_id, priced_item("199.00"))
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(lena)
    api.get("/checkout/")  # the page the script runs on sets the CSRF cookie it sends back
    csrf = api.cookies["csrftoken"].value

    created = api.post(
        "/api/v1/checkout/",
        {"billingCountry": "US", "processor": "paypal"},
        format="json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert created.status_code == 201
    started = created.json()
    assert started["processorReference"] in paypal_api.orders  # what createOrder returns
    paypal_api.approve(started["processorReference"], fee="7.44")  # the buyer, at PayPal

    captured = api.post(
        f"/api/v1/checkout/payments/{started['payment']['paymentId']}/confirm/",
        {},
        format="json",
        HTTP_X_CSRFTOKEN=csrf,
    )

    assert captured.status_code == 200
    assert captured.json()["status"] == "succeeded" and captured.json()["processorFee"] == "7.44"
    assert Order.objects.get().state == "paid"


@pytest.mark.django_db
def test_the_checkout_forms_pay_button_does_not_pay_with_paypal(paypal_api, client, lena):
    in_cart(lena.public_id, priced_item("199.00"))
    client.force_login(lena)

    response = client.post(
        "/checkout/", {"billing_country": "US", "processor": "paypal", "action": "pay"}
    )

    assert response.status_code == 400
    assert "PayPal pays with its own button" in response.content.decode()
    assert not Order.objects.exists() and not paypal_api.orders


@pytest.mark.django_db
def test_credentials_paypal_refuses_leave_the_payment_pending_never_declined(paypal_api, settings):
    started = start()
    paypal_api.approve(started.payment.processor_reference, fee="7.44")
    settings.PAYPAL_SECRET = "a-rotated-secret"

    with pytest.raises(ApplicationError) as refused:
        capture(started)

    assert refused.value.status_code == 502
    assert (Payment.objects.get().state, Order.objects.get().state) == ("pending", "pending")
