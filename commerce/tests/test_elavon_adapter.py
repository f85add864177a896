"""The Elavon Converge adapter against a local Converge (session tokens and the XML API)."""

import pytest

from cadence.kernel.money import Money
from commerce.errors import CommerceError, WebhookRejected
from commerce.processors.elavon import ElavonProcessor, lightbox_script_url
from commerce.tests.fake_elavon import PIN, FakeElavon, result_post
from commerce.tests.processor_settings import offer_elavon

PRICE = Money(19900, "USD")


@pytest.fixture
def converge(settings):
    with FakeElavon() as fake:
        offer_elavon(settings, fake)
        yield fake


def opened(payment_id="pay_1", amount=PRICE):
    return ElavonProcessor().create_payment(amount=amount, payment_id=payment_id, order_id="ord_1")


def test_opening_a_payment_gets_a_ccsale_session_token_for_its_invoice(converge):
    result = opened()

    path, form = converge.requests[0]
    assert path == "/hosted-payments/transaction_token"
    assert form["ssl_transaction_type"] == "ccsale" and form["ssl_amount"] == "199.00"
    assert form["ssl_invoice_number"] == "pay_1" and form["ssl_transaction_currency"] == "USD"
    assert (result.reference, result.status) == ("", "pending")
    assert result.client_secret in converge.tokens


def test_amounts_carry_the_currencys_own_decimals(converge):
    opened(amount=Money(5000, "JPY"))
    opened(amount=Money(5250, "BHD"))
    assert [form["ssl_amount"] for _, form in converge.requests] == ["5000", "5.250"]


def test_bad_credentials_give_no_session(converge, settings):
    settings.ELAVON_PIN = "wrong"
    with pytest.raises(CommerceError):
        opened()


def test_a_sale_is_believed_only_after_converge_confirms_it(converge):
    sale = converge.pay(opened().client_secret)

    result = ElavonProcessor().complete_payment(
        amount=PRICE, payment_id="pay_1", order_id="ord_1", token=sale["ssl_txn_id"]
    )

    path, fields = converge.requests[-1]
    assert path == "/VirtualMerchantDemo/processxml.do"
    assert fields["ssl_transaction_type"] == "txnquery"
    assert fields["ssl_txn_id"] == sale["ssl_txn_id"] and fields["ssl_pin"] == PIN
    assert (result.reference, result.status, result.fee) == (sale["ssl_txn_id"], "succeeded", None)


def test_a_declined_sale_fails(converge):
    sale = converge.pay(opened().client_secret, approved=False)
    result = ElavonProcessor().complete_payment(
        amount=PRICE, payment_id="pay_1", order_id="ord_1", token=sale["ssl_txn_id"]
    )
    assert result.status == "failed" and "DECLINED" in result.failure_message


@pytest.mark.parametrize("case", ["unknown", "other payment", "other amount", "empty"])
def test_a_claimed_sale_that_is_not_this_payment_is_refused(converge, case):
    sale = converge.pay(
        opened(payment_id="pay_other" if case == "other payment" else "pay_1").client_secret
    )
    token = {"unknown": "999-NOPE", "empty": ""}.get(case, sale["ssl_txn_id"])
    amount = Money(100, "USD") if case == "other amount" else PRICE
    with pytest.raises(CommerceError):
        ElavonProcessor().complete_payment(
            amount=amount, payment_id="pay_1", order_id="ord_1", token=token
        )


def test_a_refund_is_a_return_carrying_our_refund_id(converge):
    sale = converge.pay(opened().client_secret)

    result = ElavonProcessor().refund(
        reference=sale["ssl_txn_id"], amount=Money(5000, "USD"), refund_id="rfd_1"
    )

    _, fields = converge.requests[-1]
    assert fields["ssl_transaction_type"] == "ccreturn" and fields["ssl_amount"] == "50.00"
    assert fields["ssl_invoice_number"] == "rfd_1" and fields["ssl_txn_id"] == sale["ssl_txn_id"]
    assert result.status == "succeeded" and result.reference in converge.transactions


def test_a_refund_retried_after_a_lost_answer_is_not_made_twice(converge):
    sale = converge.pay(opened().client_secret)
    converge.return_answers_lost = True
    lost = ElavonProcessor().refund(
        reference=sale["ssl_txn_id"], amount=Money(5000, "USD"), refund_id="rfd_1"
    )
    converge.return_answers_lost = False

    again = ElavonProcessor().refund(
        reference=sale["ssl_txn_id"], amount=Money(5000, "USD"), refund_id="rfd_1"
    )

    returns = [t for t in converge.transactions.values() if t["ssl_transaction_type"] == "RETURN"]
    assert lost.status == "pending"
    assert again.status == "succeeded" and [t["ssl_txn_id"] for t in returns] == [again.reference]


def test_a_refund_converge_refuses_fails(converge):
    sale = converge.pay(opened().client_secret)
    result = ElavonProcessor().refund(
        reference=sale["ssl_txn_id"], amount=Money(99999, "USD"), refund_id="rfd_2"
    )
    assert result.status == "failed" and "exceeds" in result.failure_message


def test_cancel_voids_an_open_sale_and_ignores_what_cannot_be_voided(converge):
    sale = converge.pay(opened().client_secret)
    ElavonProcessor().cancel_payment(reference="")
    ElavonProcessor().cancel_payment(reference=sale["ssl_txn_id"])
    ElavonProcessor().cancel_payment(reference=sale["ssl_txn_id"])  # already voided: no error
    assert converge.transactions[sale["ssl_txn_id"]]["ssl_trans_status"] == "VOI"


def test_a_result_post_is_read_from_converges_own_record(converge):
    sale = converge.pay(opened().client_secret)

    event = ElavonProcessor().parse_webhook(body=result_post(sale), headers={})

    assert (event.event_id, event.kind) == (sale["ssl_txn_id"], "payment.succeeded")
    assert (event.payment_reference, event.payment_id) == (sale["ssl_txn_id"], "pay_1")


@pytest.mark.parametrize("case", ["tampered", "stale", "unknown", "no id", "not a form"])
def test_a_result_post_we_cannot_trust_is_rejected(converge, case):
    sale = converge.pay(opened().client_secret, approved=case != "tampered")
    body = result_post(sale)
    if case == "tampered":
        body = result_post(sale, ssl_result_message="APPROVAL", ssl_result="0")
    elif case == "stale":
        converge.age(sale["ssl_txn_id"], 3600)
    elif case == "unknown":
        body = result_post(sale, ssl_txn_id="999-NOPE")
    elif case == "no id":
        body = b"ssl_result=0"
    elif case == "not a form":
        body = b"\xff\xfe"
    with pytest.raises(WebhookRejected):
        ElavonProcessor().parse_webhook(body=body, headers={})


def test_the_fee_is_the_operators_schedule(settings):
    settings.ELAVON_FEE_PERCENT = "2.5"
    settings.ELAVON_FEE_FIXED = {**settings.COMMERCE_FEE_FIXED, "USD": "0.10"}
    assert ElavonProcessor().fee(Money(10000, "USD")) == Money(260, "USD")


def test_the_lightbox_script_comes_from_converge(settings):
    assert (
        lightbox_script_url()
        == "https://api.demo.convergepay.com/hosted-payments/PayWithConverge.js"
    )
    settings.ELAVON_ENVIRONMENT = "production"
    assert lightbox_script_url().startswith("https://api.convergepay.com/")
