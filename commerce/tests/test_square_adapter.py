"""The Square adapter against a local Square API, through the real squareup SDK."""

import json

import pytest

from cadence.kernel.money import Money
from commerce.errors import CommerceError, WebhookRejected
from commerce.processors.square import (
    WEBHOOK_TOLERANCE_SECONDS,
    SquareProcessor,
    fee_from_processing_fees,
)
from commerce.tests.fake_square import DECLINED_NONCE, OK_NONCE, FakeSquare, notification, signature
from commerce.tests.processor_settings import (
    SQUARE_SIGNATURE_KEY,
    SQUARE_WEBHOOK_URL,
    offer_square,
)

KEY = SQUARE_SIGNATURE_KEY
URL = SQUARE_WEBHOOK_URL


@pytest.fixture
def square_api(settings):
    with FakeSquare() as fake:
        offer_square(settings, fake)
        yield fake


PRICE = Money(19900, "USD")


def take(amount=PRICE, token=OK_NONCE, payment_id="pay_1"):
    return SquareProcessor().complete_payment(
        amount=amount, payment_id=payment_id, order_id="ord_1", token=token
    )


def test_opening_a_payment_asks_square_for_nothing(square_api):
    result = SquareProcessor().create_payment(
        amount=Money(19900, "USD"), payment_id="pay_1", order_id="ord_1"
    )
    assert (result.reference, result.status) == ("", "pending")
    assert square_api.requests == []


def test_the_token_pays_with_an_idempotency_key_from_our_payment_id(square_api):
    result = take()

    method, path, body, headers = square_api.requests[0]
    assert (method, path) == ("POST", "/v2/payments")
    assert body["idempotency_key"] == "create-pay_1"
    assert body["source_id"] == OK_NONCE and body["reference_id"] == "pay_1"
    assert body["amount_money"] == {"amount": 19900, "currency": "USD"}
    assert body["location_id"] == "LFAKE" and body["autocomplete"] is True
    assert headers["Authorization"] == "Bearer EAAA-fake" and headers["Square-Version"]
    assert result.status == "succeeded" and result.reference.startswith("sq_pay_fake")
    # Square's own fee: 2.6% + 15 cents on $199.00 in this stand-in.
    assert result.fee == Money(532, "USD")


def test_paying_twice_with_the_same_payment_is_one_payment_at_square(square_api):
    first, second = take(), take()
    assert first.reference == second.reference and len(square_api.payments) == 1


def test_a_declined_card_fails_with_squares_code(square_api):
    result = take(token=DECLINED_NONCE)
    assert result.status == "failed" and result.failure_code == "generic_decline"
    assert "GENERIC_DECLINE" in result.failure_message


def test_no_token_is_refused_before_asking_square(square_api):
    with pytest.raises(CommerceError):
        take(token="")
    assert square_api.requests == []


def test_a_fee_square_has_not_assessed_yet_is_unknown(square_api):
    square_api.fee_for = lambda amount: None
    assert take().fee is None


def test_the_fee_sums_the_initial_fee_and_its_adjustments():
    fees = [
        {"type": "INITIAL", "amount_money": {"amount": 600, "currency": "USD"}},
        {"type": "ADJUSTMENT", "amount_money": {"amount": -30, "currency": "USD"}},
    ]
    assert fee_from_processing_fees(fees, currency="USD") == Money(570, "USD")
    assert fee_from_processing_fees([], currency="USD") is None
    assert fee_from_processing_fees(fees, currency="EUR") is None


def test_confirm_reads_the_payment_back(square_api):
    reference = take().reference
    result = SquareProcessor().confirm_payment(reference=reference)
    assert (result.status, result.fee) == ("succeeded", Money(532, "USD"))
    assert SquareProcessor().confirm_payment(reference="").status == "pending"


def test_refunds_carry_an_idempotency_key_from_our_refund_id(square_api):
    reference = take().reference
    first = SquareProcessor().refund(
        reference=reference, amount=Money(5000, "USD"), refund_id="rfd_1"
    )
    again = SquareProcessor().refund(
        reference=reference, amount=Money(5000, "USD"), refund_id="rfd_1"
    )

    body = square_api.requests[-1][2]
    assert body["idempotency_key"] == "refund-rfd_1" and body["payment_id"] == reference
    assert first.status == "pending" and first.reference == again.reference
    assert len(square_api.refunds) == 1


def test_a_refund_square_completes_at_once_succeeds(square_api):
    square_api.refund_status = "COMPLETED"
    reference = take().reference
    result = SquareProcessor().refund(
        reference=reference, amount=Money(100, "USD"), refund_id="rfd_2"
    )
    assert result.status == "succeeded"


def test_a_refund_square_could_not_answer_stays_pending_and_a_refusal_fails(square_api):
    reference = take().reference
    square_api.refunds_fail_with_500 = True
    unknown = SquareProcessor().refund(
        reference=reference, amount=Money(100, "USD"), refund_id="rfd_3"
    )
    square_api.refunds_fail_with_500 = False
    refused = SquareProcessor().refund(
        reference=reference, amount=Money(99999, "USD"), refund_id="rfd_4"
    )
    assert unknown.status == "pending" and refused.status == "failed"


def test_cancelling_a_payment_never_taken_asks_nothing(square_api):
    SquareProcessor().cancel_payment(reference="")
    assert square_api.requests == []
    reference = take().reference
    SquareProcessor().cancel_payment(reference=reference)  # completed: not cancelable, no error
    assert square_api.requests[-1][1] == f"/v2/payments/{reference}/cancel"


def headers_for(body: str, **override):
    return {"X-Square-HmacSha256-Signature": signature(body, key=KEY, url=URL), **override}


def test_a_signed_payment_notification_is_read(square_api):
    payment = square_api.payments[take().reference]
    body = notification("payment.updated", "payment", payment, event_id="evt-1")

    event = SquareProcessor().parse_webhook(body=body.encode(), headers=headers_for(body))

    assert (event.event_id, event.event_type, event.kind) == (
        "evt-1",
        "payment.updated",
        "payment.succeeded",
    )
    # It carries Square's fee, so the payment need not be read back.
    assert event.payment_result.fee == Money(532, "USD")
    assert event.payment_reference == payment["id"] and event.payment_id == "pay_1"


def test_a_signed_refund_notification_is_read(square_api):
    reference = take().reference
    refund_ref = (
        SquareProcessor()
        .refund(reference=reference, amount=Money(100, "USD"), refund_id="rfd_5")
        .reference
    )
    refund = square_api.complete_refund(refund_ref)
    body = notification("refund.updated", "refund", refund)

    event = SquareProcessor().parse_webhook(body=body.encode(), headers=headers_for(body))

    assert (event.kind, event.refund_reference, event.refund_status) == (
        "refund.updated",
        refund_ref,
        "succeeded",
    )


@pytest.mark.parametrize(
    "case", ["tampered", "stale", "unsigned", "wrong key", "other url", "not json"]
)
def test_a_notification_we_cannot_trust_is_rejected(square_api, case):
    payment = square_api.payments[take().reference]
    body = notification(
        "payment.updated",
        "payment",
        payment,
        age_seconds=WEBHOOK_TOLERANCE_SECONDS + 60 if case == "stale" else 0,
    )
    headers = headers_for(body)
    if case == "tampered":
        body = body.replace('"COMPLETED"', '"FAILED"')
    elif case == "unsigned":
        headers = {}
    elif case == "wrong key":
        headers = {"x-square-hmacsha256-signature": signature(body, key="other", url=URL)}
    elif case == "other url":
        headers = {"x-square-hmacsha256-signature": signature(body, key=KEY, url="https://evil/")}
    elif case == "not json":
        body = "not json"
        headers = headers_for(body)

    with pytest.raises(WebhookRejected):
        SquareProcessor().parse_webhook(body=body.encode(), headers=headers)


def test_the_fee_schedule_is_squares_own(settings):
    settings.SQUARE_FEE_PERCENT = "3.5"
    settings.SQUARE_FEE_FIXED = {**settings.COMMERCE_FEE_FIXED, "USD": "0.15"}
    assert SquareProcessor().fee(Money(10000, "USD")) == Money(365, "USD")


def test_the_stand_in_speaks_squares_json(square_api):
    payment = square_api.payments[take().reference]
    assert json.loads(json.dumps(payment))["processing_fee"][0]["type"] == "INITIAL"
