"""The local ``test`` processor: behaves like Stripe's test mode, with no account and no network.

The checkout page offers the outcomes of Stripe's test cards instead of a card field: the payment
succeeds, is declined, fails for insufficient funds, or requires authentication (a second step that
the learner completes or fails). The fee follows the configured schedule: 2.9% plus a fixed part
per currency (``COMMERCE_FEE_FIXED``: 30¢, 20p, ¥45…).
"""

from __future__ import annotations

from cadence.kernel.money import Money
from commerce.conf import scheduled_fee
from commerce.errors import CommerceError, WebhookRejected
from commerce.processors.base import PaymentResult, RefundResult, WebhookEvent

OUTCOMES = {
    "succeeds": "Payment succeeds",
    "declined": "Card declined",
    "insufficient_funds": "Insufficient funds",
    "requires_authentication": "Requires authentication",
}
# The second step of "requires_authentication".
AUTHENTICATION_OUTCOMES = {"authenticated": "Complete", "authentication_failed": "Fail"}

FAILURES = {
    "declined": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("insufficient_funds", "Your card has insufficient funds."),
    "authentication_failed": (
        "authentication_failed",
        "We could not authenticate your payment method.",
    ),
}


class TestProcessor:
    name = "test"
    label = "Test payment (no card needed)"
    required_settings: tuple[str, ...] = ()  # embedded: always configured
    checkout_template = "commerce/checkout/processors/test.html"
    checkout_csp: dict[str, list[str]] = {}
    pay_page = ""
    __test__ = False  # not a pytest test class, despite its name

    def checkout_context(self, *, currency: str) -> dict:
        return {}

    def create_payment(self, *, amount: Money, payment_id: str, order_id: str) -> PaymentResult:
        reference = "tp_" + payment_id.removeprefix("pay_")
        return PaymentResult(reference=reference, status="pending", client_secret="")

    def confirm_payment(self, *, reference: str, outcome: str = "") -> PaymentResult:
        if outcome in {"succeeds", "authenticated"}:
            return PaymentResult(reference=reference, status="succeeded")
        if outcome == "requires_authentication":
            return PaymentResult(reference=reference, status="requires_action")
        if outcome in FAILURES:
            code, message = FAILURES[outcome]
            return PaymentResult(
                reference=reference, status="failed", failure_code=code, failure_message=message
            )
        raise CommerceError(
            f"choose one of {', '.join(OUTCOMES)}; got '{outcome}'", field="outcome"
        )

    def cancel_payment(self, *, reference: str) -> None:
        return None  # nothing is held at a processor that does not exist

    def refund(self, *, reference: str, amount: Money, refund_id: str) -> RefundResult:
        return RefundResult(reference="tr_" + refund_id.removeprefix("rfd_"), status="succeeded")

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        raise WebhookRejected("the test processor sends no webhooks", field="body")

    def fee(self, amount: Money) -> Money:
        return scheduled_fee(amount)
