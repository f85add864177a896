"""How to drive each payment processor through the contract suite.

A driver knows, for one processor, how to make a payment succeed or be declined the way a buyer
would, how to build the webhook deliveries the processor would send (signed, tampered, stale),
and how to make the processor refuse a refund. The contract tests are written once against this
interface and run for every driver in ``DRIVERS``: a new processor joins by adding its driver.

Processors that talk over HTTP are driven against a local fake of their API, so the real SDK code
runs end to end with no network.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cadence.kernel.money import Money
from commerce.conf import scheduled_fee
from commerce.models import Payment
from commerce.services import checkout_start
from commerce.services.checkout import CheckoutStarted
from commerce.services.payments import payment_confirm


@dataclass
class Delivery:
    """One webhook delivery as the processor would make it."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class ProcessorDriver:
    """The interface; see ``TestDriver`` and ``StripeDriver`` for two ways to fill it in."""

    name: str = ""
    sends_webhooks: bool = True  # the webhook tests run only for processors that send them
    can_refuse_refunds: bool = True  # likewise the refused-refund test

    def __repr__(self) -> str:  # the pytest id
        return self.name

    @contextlib.contextmanager
    def enabled(self, settings) -> Iterator[ProcessorDriver]:
        """Offer this processor alone at checkout, with credentials, and its fake running."""
        raise NotImplementedError

    def checkout(
        self, customer_id: str, *, country: str = "US", region: str = ""
    ) -> CheckoutStarted:
        """Place the order for what is in the customer's cart, paying with this processor."""
        return checkout_start(
            customer_id=customer_id,
            billing_country=country,
            billing_region=region,
            processor_name=self.name,
        )

    def fee(self, amount: Money) -> Money:
        """The fee this processor reports (or charges by schedule) on ``amount``."""
        raise NotImplementedError

    def pay(self, started: CheckoutStarted) -> Payment:
        """The buyer pays successfully, along the processor's usual path (not a webhook)."""
        raise NotImplementedError

    def decline(self, started: CheckoutStarted) -> Payment:
        """The buyer's payment method is declined."""
        raise NotImplementedError

    def success_webhook(self, started: CheckoutStarted) -> Delivery:
        """The processor took the money; its signed event saying so."""
        raise NotImplementedError

    def tampered_webhook(self, started: CheckoutStarted) -> Delivery:
        """A signed success event whose body was changed after signing."""
        raise NotImplementedError

    def stale_webhook(self, started: CheckoutStarted) -> Delivery:
        """A correctly signed success event sent too long ago to be accepted (a replay)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def refusing_refunds(self) -> Iterator[None]:
        """While inside, the processor refuses every refund (a 4xx: disputed, too old…)."""
        raise NotImplementedError

    def refunds_made(self, started: CheckoutStarted) -> list[int] | None:
        """The amounts (minor units) the processor refunded on this payment, or ``None`` when the
        processor keeps no record to look at."""
        return None


class TestDriver(ProcessorDriver):
    """The embedded test processor: outcomes are picked at confirmation; no webhooks, and it
    carries out every refund."""

    name = "test"
    sends_webhooks = False
    can_refuse_refunds = False
    __test__ = False

    @contextlib.contextmanager
    def enabled(self, settings):
        settings.PAYMENT_PROCESSORS = ["test"]
        yield self

    def fee(self, amount: Money) -> Money:
        return scheduled_fee(amount)

    def pay(self, started):
        return payment_confirm(
            payment_id=started.payment.public_id,
            customer_id=started.order.customer_id,
            outcome="succeeds",
        )

    def decline(self, started):
        return payment_confirm(
            payment_id=started.payment.public_id,
            customer_id=started.order.customer_id,
            outcome="declined",
        )


class StripeDriver(ProcessorDriver):
    """Stripe against ``fake_stripe.FakeStripe``; the actual fee is a figure the schedule would
    not give (620 on $199, not 607), so a test sees which one was recorded."""

    name = "stripe"
    secret = "whsec_contract"

    @contextlib.contextmanager
    def enabled(self, settings):
        from commerce.tests.fake_stripe import FakeStripe

        with FakeStripe() as fake:
            self.fake = fake
            settings.PAYMENT_PROCESSORS = ["stripe"]
            settings.STRIPE_SECRET_KEY = "sk_test_contract"
            settings.STRIPE_PUBLISHABLE_KEY = "pk_test_contract"
            settings.STRIPE_WEBHOOK_SECRET = self.secret
            settings.STRIPE_API_BASE = fake.url
            yield self

    def fee(self, amount: Money) -> Money:
        return Money(scheduled_fee(amount).minor + 13, amount.currency)

    def _succeed(self, started) -> dict:
        return self.fake.succeed(
            started.payment.processor_reference, fee=self.fee(started.order.total).minor
        )

    def pay(self, started):
        self._succeed(started)  # the browser confirmed with Stripe, then came back to us
        return payment_confirm(
            payment_id=started.payment.public_id, customer_id=started.order.customer_id
        )

    def decline(self, started):
        self.fake.decline(started.payment.processor_reference)
        return payment_confirm(
            payment_id=started.payment.public_id, customer_id=started.order.customer_id
        )

    def _signed(self, started, *, timestamp: int | None = None) -> tuple[str, str]:
        from commerce.tests.fake_stripe import event, signature

        payload = event("payment_intent.succeeded", dict(self._succeed(started)))
        return payload, signature(payload, self.secret, timestamp=timestamp)

    def success_webhook(self, started):
        payload, header = self._signed(started)
        return Delivery(payload.encode(), {"Stripe-Signature": header})

    def tampered_webhook(self, started):
        payload, header = self._signed(started)
        payload = payload.replace('"status": "succeeded"', '"status": "succeeded" ', 1)
        return Delivery(payload.encode(), {"Stripe-Signature": header})

    def stale_webhook(self, started):
        payload, header = self._signed(started, timestamp=int(time.time()) - 301)
        return Delivery(payload.encode(), {"Stripe-Signature": header})

    @contextlib.contextmanager
    def refusing_refunds(self):
        original = self.fake.post
        self.fake.post = lambda path, form: (
            (400, {"error": {"type": "invalid_request_error", "message": "charge disputed"}})
            if path == "/v1/refunds"
            else original(path, form)
        )
        try:
            yield
        finally:
            self.fake.post = original

    def refunds_made(self, started):
        reference = started.payment.processor_reference
        return [r["amount"] for r in self.fake.refunds.values() if r["payment_intent"] == reference]


class SquareDriver(ProcessorDriver):
    """Square against ``fake_square.FakeSquare`` through the squareup SDK; the buyer's browser is
    played by posting Square's sandbox source tokens. Its fee is the stand-in's processing_fee
    (2.6% + 15 cents: 532 on $199, not the schedule's 607). Refunds complete at once here."""

    name = "square"

    @contextlib.contextmanager
    def enabled(self, settings):
        from commerce.tests.fake_square import FakeSquare
        from commerce.tests.processor_settings import offer_square

        with FakeSquare() as fake:
            fake.refund_status = "COMPLETED"
            self.fake = fake
            offer_square(settings, fake)
            yield self

    def fee(self, amount: Money) -> Money:
        return Money(self.fake.fee_for(amount.minor), amount.currency)

    def _complete(self, started, token: str) -> Payment:
        from commerce.services.payments import payment_complete

        return payment_complete(
            payment_id=started.payment.public_id,
            customer_id=started.order.customer_id,
            token=token,
        )

    def pay(self, started):
        from commerce.tests.fake_square import OK_NONCE

        return self._complete(started, OK_NONCE)

    def decline(self, started):
        from commerce.tests.fake_square import DECLINED_NONCE

        return self._complete(started, DECLINED_NONCE)

    def _signed(self, started, *, age_seconds: int = 0) -> tuple[str, dict[str, str]]:
        from commerce.processors.square import SquareProcessor
        from commerce.tests.fake_square import OK_NONCE, notification, signature
        from commerce.tests.processor_settings import SQUARE_SIGNATURE_KEY, SQUARE_WEBHOOK_URL

        # Square took the payment; our server never heard the answer (the browser went away).
        reference = (
            SquareProcessor()
            .complete_payment(
                amount=started.order.total,
                payment_id=started.payment.public_id,
                order_id=started.order.public_id,
                token=OK_NONCE,
            )
            .reference
        )
        body = notification(
            "payment.updated", "payment", self.fake.payments[reference], age_seconds=age_seconds
        )
        header = signature(body, key=SQUARE_SIGNATURE_KEY, url=SQUARE_WEBHOOK_URL)
        return body, {"x-square-hmacsha256-signature": header}

    def success_webhook(self, started):
        body, headers = self._signed(started)
        return Delivery(body.encode(), headers)

    def tampered_webhook(self, started):
        body, headers = self._signed(started)
        return Delivery(body.replace('"COMPLETED"', '"COMPLETED" ', 1).encode(), headers)

    def stale_webhook(self, started):
        from commerce.processors.square import WEBHOOK_TOLERANCE_SECONDS

        body, headers = self._signed(started, age_seconds=WEBHOOK_TOLERANCE_SECONDS + 1)
        return Delivery(body.encode(), headers)

    @contextlib.contextmanager
    def refusing_refunds(self):
        self.fake.refunds_refused = True
        try:
            yield
        finally:
            self.fake.refunds_refused = False

    def refunds_made(self, started):
        reference = Payment.objects.get(pk=started.payment.pk).processor_reference
        return [
            r["amount_money"]["amount"]
            for r in self.fake.refunds.values()
            if r["payment_id"] == reference and r["status"] == "COMPLETED"
        ]


class ElavonDriver(ProcessorDriver):
    """Elavon Converge against ``fake_elavon.FakeElavon``; the buyer's Lightbox is played by the
    stand-in making the sale its session token describes. Converge reports no fee, so the fee is
    the operator's schedule configured for Elavon (2.5% + 10 cents: 508 on $199, not 607)."""

    name = "elavon"

    @contextlib.contextmanager
    def enabled(self, settings):
        from commerce.tests.fake_elavon import FakeElavon
        from commerce.tests.processor_settings import offer_elavon

        with FakeElavon() as fake:
            self.fake = fake
            offer_elavon(settings, fake)
            settings.ELAVON_FEE_PERCENT = "2.5"
            settings.ELAVON_FEE_FIXED = {**settings.COMMERCE_FEE_FIXED, "USD": "0.10"}
            yield self

    def fee(self, amount: Money) -> Money:
        from commerce.conf import processor_scheduled_fee

        return processor_scheduled_fee("elavon", amount)

    def _complete(self, started, *, approved: bool) -> Payment:
        from commerce.services.payments import payment_complete

        sale = self.fake.pay(started.client_secret, approved=approved)
        return payment_complete(
            payment_id=started.payment.public_id,
            customer_id=started.order.customer_id,
            token=sale["ssl_txn_id"],
        )

    def pay(self, started):
        return self._complete(started, approved=True)

    def decline(self, started):
        return self._complete(started, approved=False)

    def success_webhook(self, started):
        from commerce.tests.fake_elavon import result_post

        return Delivery(result_post(self.fake.pay(started.client_secret)))

    def tampered_webhook(self, started):
        from commerce.tests.fake_elavon import result_post

        # Converge posts unsigned; "tampered" is a post that Converge's own record contradicts.
        sale = self.fake.pay(started.client_secret)
        return Delivery(result_post(sale, ssl_amount="1.00"))

    def stale_webhook(self, started):
        from commerce.tests.fake_elavon import result_post

        sale = self.fake.pay(started.client_secret)
        self.fake.age(sale["ssl_txn_id"], 3600)
        return Delivery(result_post(sale))

    @contextlib.contextmanager
    def refusing_refunds(self):
        self.fake.returns_refused = True
        try:
            yield
        finally:
            self.fake.returns_refused = False

    def refunds_made(self, started):
        from decimal import Decimal

        reference = Payment.objects.get(pk=started.payment.pk).processor_reference
        return [
            int(Decimal(t["ssl_amount"]) * 100)
            for t in self.fake.transactions.values()
            if t.get("ssl_orig_txn_id") == reference and t["ssl_transaction_type"] == "RETURN"
        ]


class PayPalDriver(ProcessorDriver):
    """PayPal against ``fake_paypal.FakePayPal``: the buyer approves in PayPal's window, then we
    capture; PayPal's fee is its US rate for PayPal checkout, 3.49 % + 49¢ ($7.44 on $199)."""

    name = "paypal"

    @contextlib.contextmanager
    def enabled(self, settings):
        from commerce.tests import fake_paypal

        with fake_paypal.FakePayPal() as fake:
            self.fake = fake
            settings.PAYMENT_PROCESSORS = ["paypal"]
            settings.PAYPAL_CLIENT_ID = fake_paypal.CLIENT_ID
            settings.PAYPAL_SECRET = fake_paypal.SECRET
            settings.PAYPAL_WEBHOOK_ID = fake_paypal.WEBHOOK_ID
            settings.PAYPAL_API_BASE = fake.url
            yield self

    def fee(self, amount: Money) -> Money:
        percent = (amount.minor * 349 + 5000) // 10000  # 3.49 %, rounded half up
        return Money(percent + 49, amount.currency)

    def _approve(self, started, **kwargs) -> None:
        fee = self.fee(started.order.total).to_decimal_string()
        self.fake.approve(started.payment.processor_reference, fee=fee, **kwargs)

    def pay(self, started):
        self._approve(started)
        return payment_confirm(
            payment_id=started.payment.public_id, customer_id=started.order.customer_id
        )

    def decline(self, started):
        self._approve(started, declines=True)
        return payment_confirm(
            payment_id=started.payment.public_id, customer_id=started.order.customer_id
        )

    def _completed(self, started) -> dict:
        self._approve(started)
        capture = self.fake.capture(started.payment.processor_reference)
        return self.fake.event("PAYMENT.CAPTURE.COMPLETED", capture)

    def success_webhook(self, started):
        body, headers = self.fake.delivery(self._completed(started))
        return Delivery(body, headers)

    def tampered_webhook(self, started):
        body, headers = self.fake.delivery(self._completed(started))
        fee = self.fee(started.order.total).to_decimal_string()
        tampered = body.replace(f'"value": "{fee}"'.encode(), b'"value": "0.01"', 1)
        assert tampered != body
        return Delivery(tampered, headers)

    def stale_webhook(self, started):
        sent_at = datetime.now(UTC) - timedelta(seconds=301)
        body, headers = self.fake.delivery(self._completed(started), sent_at=sent_at)
        return Delivery(body, headers)

    @contextlib.contextmanager
    def refusing_refunds(self):
        self.fake.refuse_refunds = True
        try:
            yield
        finally:
            self.fake.refuse_refunds = False

    def refunds_made(self, started):
        order = self.fake.orders[started.payment.processor_reference]
        captures = {c["id"] for u in order["purchase_units"] for c in u["payments"]["captures"]}
        return [
            Money.parse(r["amount"]["value"], r["amount"]["currency_code"]).minor
            for r in self.fake.refunds.values()
            if r["_capture"] in captures
        ]


DRIVERS: list[ProcessorDriver] = [
    TestDriver(),
    StripeDriver(),
    PayPalDriver(),
    SquareDriver(),
    ElavonDriver(),
]
