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


DRIVERS: list[ProcessorDriver] = [TestDriver(), StripeDriver(), PayPalDriver()]
