"""Stripe: PaymentIntents with automatic payment methods, signed webhooks, fees and refunds.

The browser collects payment details with Stripe's Payment Element and confirms the PaymentIntent
with Stripe directly, so card data never reaches our server. We learn the outcome from the
webhook (and from a confirm call that only reads the PaymentIntent back).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import stripe
from django.conf import settings

from cadence.kernel.money import Money, round_half_away
from commerce.conf import scheduled_fee
from commerce.errors import CommerceError, ProcessorUnavailable, WebhookRejected
from commerce.processors import base
from commerce.processors.base import PaymentResult, RefundResult, WebhookEvent

WEBHOOK_TOLERANCE_SECONDS = 300

_STATUSES = {
    "succeeded": "succeeded",
    "requires_action": "requires_action",
    "processing": "pending",
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "requires_capture": "pending",
    "canceled": "failed",
}

_REFUND_STATUSES = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}

_EVENT_KINDS = {
    "payment_intent.succeeded": base.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": base.PAYMENT_FAILED,
    "payment_intent.requires_action": base.PAYMENT_REQUIRES_ACTION,
    "payment_intent.canceled": base.PAYMENT_CANCELLED,
    "refund.created": base.REFUND_UPDATED,
    "refund.updated": base.REFUND_UPDATED,
    "refund.failed": base.REFUND_FAILED,
}


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise CommerceError("Stripe is not configured (STRIPE_SECRET_KEY)", field="processor")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base)


def fee_from_balance_transaction(
    balance: dict, *, currency: str
) -> tuple[Money | None, Money | None, Decimal | None]:
    """The fee in the payment's ``currency``, the fee as Stripe charged it in the account's
    settlement currency when that differs, and the exchange rate between them.

    Stripe's balance transaction is in the settlement currency; its ``exchange_rate`` turns the
    payment's currency into it, so the fee in the payment's currency is the settled fee divided
    by the rate, rounded half up to the minor unit. Without a rate the fee cannot be told in the
    payment's currency (``None``: the configured schedule applies).
    """
    settled = Money(int(balance["fee"]), str(balance["currency"]).upper())
    if settled.currency == currency:
        return settled, None, None
    raw_rate = balance.get("exchange_rate")
    if not raw_rate:
        return None, settled, None
    rate = Decimal(str(raw_rate))
    exponent = Money.zero(currency).unit.exponent
    minor = Fraction(settled.to_decimal()) / Fraction(rate) * 10**exponent
    return Money(round_half_away(minor), currency), settled, rate


class StripeProcessor:
    name = "stripe"
    label = "Card (Stripe)"
    required_settings = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")
    checkout_template = "commerce/checkout/processors/stripe.html"
    # Stripe.js loads on its own payment page only (StripePayView), never on the checkout page.
    checkout_csp: dict[str, list[str]] = {}
    pay_page = "commerce:stripe-pay"

    def checkout_context(self, *, currency: str) -> dict:
        return {}

    def create_payment(self, *, amount: Money, payment_id: str, order_id: str) -> PaymentResult:
        try:
            intent = stripe_client().v1.payment_intents.create(
                params={
                    "amount": amount.minor,
                    "currency": amount.currency.lower(),
                    "automatic_payment_methods": {"enabled": True},
                    "metadata": {"payment_id": payment_id, "order_id": order_id},
                },
                options={"idempotency_key": f"create-{payment_id}"},
            )
        except stripe.StripeError as error:
            raise ProcessorUnavailable(
                f"Stripe refused the payment: {error.user_message or error}"
            ) from error
        return PaymentResult(
            reference=intent.id,
            status=_STATUSES.get(intent.status, "pending"),
            client_secret=intent.client_secret or "",
        )

    def confirm_payment(self, *, reference: str, outcome: str = "") -> PaymentResult:
        """Read the PaymentIntent back (the browser confirmed it), with the fee once it succeeds."""
        try:
            intent = stripe_client().v1.payment_intents.retrieve(
                reference, params={"expand": ["latest_charge.balance_transaction"]}
            )
        except stripe.StripeError as error:
            raise ProcessorUnavailable(f"Stripe could not be reached: {error}") from error
        data = intent.to_dict()
        status = _STATUSES.get(data.get("status"), "pending")
        fee = settlement_fee = rate = None
        charge = data.get("latest_charge")
        if status == "succeeded" and isinstance(charge, dict):
            balance = charge.get("balance_transaction")
            if isinstance(balance, dict):
                fee, settlement_fee, rate = fee_from_balance_transaction(
                    balance, currency=str(data["currency"]).upper()
                )
        error = data.get("last_payment_error") or {}
        if data.get("status") == "requires_payment_method" and error:
            status = "failed"
        return PaymentResult(
            reference=data["id"],
            status=status,
            fee=fee,
            settlement_fee=settlement_fee,
            exchange_rate=rate,
            client_secret=data.get("client_secret") or "",
            failure_code=str(error.get("decline_code") or error.get("code") or ""),
            failure_message=str(error.get("message") or ""),
        )

    def cancel_payment(self, *, reference: str) -> None:
        try:
            stripe_client().v1.payment_intents.cancel(reference)
        except stripe.StripeError as error:
            raise ProcessorUnavailable(f"Stripe could not cancel {reference}: {error}") from error

    def refund(self, *, reference: str, amount: Money, refund_id: str) -> RefundResult:
        try:
            refund = stripe_client().v1.refunds.create(
                params={
                    "payment_intent": reference,
                    "amount": amount.minor,
                    "metadata": {"refund_id": refund_id},
                },
                # Our refund id: a retried refund is the same refund at Stripe, never a second one.
                options={"idempotency_key": f"refund-{refund_id}"},
            )
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
            # No answer, or Stripe's own failure: the refund may have been made. It stays pending
            # and is asked again with the same idempotency key until Stripe answers.
            return RefundResult(reference="", status="pending", failure_message=str(error))
        except stripe.StripeError as error:
            return RefundResult(reference="", status="failed", failure_message=str(error))
        return RefundResult(
            reference=refund.id, status=_REFUND_STATUSES.get(refund.status, "pending")
        )

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        signature = headers.get("Stripe-Signature") or headers.get("stripe-signature")
        if not signature:
            raise WebhookRejected(
                "the Stripe-Signature header is missing", field="Stripe-Signature"
            )
        try:
            event = stripe.Webhook.construct_event(
                body.decode("utf-8"),
                signature,
                settings.STRIPE_WEBHOOK_SECRET,
                tolerance=WEBHOOK_TOLERANCE_SECONDS,
            )
        except stripe.SignatureVerificationError as error:
            raise WebhookRejected(
                f"signature check failed: {error}", field="Stripe-Signature"
            ) from error
        except (ValueError, UnicodeDecodeError) as error:
            raise WebhookRejected(
                f"the body is not a Stripe event: {error}", field="body"
            ) from error
        obj = event.data.object.to_dict()
        kind = event.type
        if kind.startswith("payment_intent."):
            error = obj.get("last_payment_error") or {}
            return WebhookEvent(
                event_id=event.id,
                event_type=kind,
                kind=_EVENT_KINDS.get(kind, base.IGNORED),
                payment_reference=obj.get("id", ""),
                payment_id=str((obj.get("metadata") or {}).get("payment_id", "")),
                failure_code=str(error.get("decline_code") or error.get("code") or ""),
                failure_message=str(error.get("message") or ""),
            )
        if kind.startswith("refund."):
            return WebhookEvent(
                event_id=event.id,
                event_type=kind,
                kind=_EVENT_KINDS.get(kind, base.IGNORED),
                payment_reference=str(obj.get("payment_intent") or ""),
                refund_reference=obj.get("id", ""),
                refund_id=str((obj.get("metadata") or {}).get("refund_id", "")),
                refund_status=_REFUND_STATUSES.get(str(obj.get("status")), "pending"),
                failure_message=str(obj.get("failure_reason") or ""),
            )
        return WebhookEvent(event_id=event.id, event_type=kind)

    def fee(self, amount: Money) -> Money:
        return scheduled_fee(amount)
