"""Square: the Web Payments SDK in the browser, the Payments and Refunds APIs on the server.

The browser turns the card (or an Apple Pay / Google Pay wallet) into a one-time source token
with Square's Web Payments SDK; the card itself never reaches our server. The page posts that
token to us and we take the payment with ``CreatePayment``. Nothing exists at Square before that,
so opening a payment (``create_payment``) asks Square for nothing.

Every call that moves money carries an idempotency key derived from our own id
(``create-<payment id>``, ``refund-<refund id>``): a retry is the same payment or refund at
Square, never a second one. The fee is Square's own, from the payment's ``processing_fee`` list.
Webhooks are signed with HMAC-SHA256 over the notification URL and the raw body.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from django.conf import settings
from square import Square
from square.core.api_error import ApiError
from square.environment import SquareEnvironment
from square.utils.webhooks_helper import verify_signature

from cadence.kernel.money import Money
from commerce.conf import processor_scheduled_fee
from commerce.errors import CommerceError, ProcessorUnavailable, WebhookRejected
from commerce.processors import base
from commerce.processors.base import PaymentResult, RefundResult, WebhookEvent

SIGNATURE_HEADER = "x-square-hmacsha256-signature"
# Square signs the URL and body only, and retries an unanswered notification for up to a day
# with its original ``created_at``: a shorter window would refuse Square's own retries. Replays
# inside the window are stopped by the event-id dedupe, so the window only bounds how old a
# notification may be at all.
WEBHOOK_TOLERANCE_SECONDS = 25 * 3600

_STATUSES = {
    "COMPLETED": "succeeded",
    "APPROVED": "pending",
    "PENDING": "pending",
    "FAILED": "failed",
    "CANCELED": "failed",
}
_PAYMENT_KINDS = {"succeeded": base.PAYMENT_SUCCEEDED, "failed": base.PAYMENT_FAILED}
_REFUND_STATUSES = {
    "COMPLETED": "succeeded",
    "PENDING": "pending",
    "REJECTED": "failed",
    "FAILED": "failed",
}


def square_client() -> Square:
    if not settings.SQUARE_ACCESS_TOKEN:
        raise CommerceError("Square is not configured (SQUARE_ACCESS_TOKEN)", field="processor")
    environment = (
        SquareEnvironment.PRODUCTION
        if settings.SQUARE_ENVIRONMENT == "production"
        else SquareEnvironment.SANDBOX
    )
    return Square(
        token=settings.SQUARE_ACCESS_TOKEN,
        environment=environment,
        # A local stand-in of Square's API, in tests and offline demos.
        base_url=settings.SQUARE_API_BASE or None,
        timeout=20,
    )


def square_script_origin() -> str:
    """Where the Web Payments SDK is served from, for the page and its Content-Security-Policy."""
    if settings.SQUARE_ENVIRONMENT == "production":
        return "https://web.squarecdn.com"
    return "https://sandbox.web.squarecdn.com"


def fee_from_processing_fees(processing_fee: list[dict] | None, *, currency: str) -> Money | None:
    """Square's fee: the sum of the payment's ``processing_fee`` entries (the initial fee and any
    adjustments, which may be negative). ``None`` while Square has not assessed it yet."""
    amounts = [
        (entry.get("amount_money") or {})
        for entry in (processing_fee or [])
        if isinstance(entry, dict)
    ]
    amounts = [a for a in amounts if a.get("amount") is not None]
    if not amounts or any(str(a.get("currency", "")).upper() != currency for a in amounts):
        return None
    return Money(sum(int(a["amount"]) for a in amounts), currency)


def _error_text(error: ApiError) -> tuple[str, str]:
    body = error.body if isinstance(error.body, dict) else {}
    errors = body.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(first.get("code") or "square_error").lower(), str(
        first.get("detail") or first.get("code") or error
    )


def payment_result(payment: dict) -> PaymentResult:
    """Our view of a Square ``Payment`` object."""
    currency = str((payment.get("amount_money") or {}).get("currency", "")).upper()
    status = _STATUSES.get(str(payment.get("status")), "pending")
    fee = (
        fee_from_processing_fees(payment.get("processing_fee"), currency=currency)
        if status == "succeeded"
        else None
    )
    card = payment.get("card_details") or {}
    failure_code = failure_message = ""
    if status == "failed":
        failure_code = str((card.get("errors") or [{}])[0].get("code") or "payment_failed").lower()
        failure_message = "Square declined the payment."
    return PaymentResult(
        reference=str(payment.get("id") or ""),
        status=status,
        fee=fee,
        failure_code=failure_code,
        failure_message=failure_message,
    )


class SquareProcessor:
    name = "square"
    label = "Card, Apple Pay or Google Pay (Square)"
    required_settings = (
        "SQUARE_ACCESS_TOKEN",
        "SQUARE_APPLICATION_ID",
        "SQUARE_LOCATION_ID",
        "SQUARE_WEBHOOK_SIGNATURE_KEY",
        "SQUARE_WEBHOOK_URL",
    )
    checkout_template = "commerce/checkout/processors/square.html"
    # The Web Payments SDK loads on Square's own payment page only, never on the checkout page.
    checkout_csp: dict[str, list[str]] = {}
    pay_page = "commerce:square-pay"
    # ``complete_payment`` takes the money (Elavon's only reads what Converge already took).
    charges_on_complete = True

    def checkout_context(self, *, currency: str) -> dict:
        return {}

    def create_payment(self, *, amount: Money, payment_id: str, order_id: str) -> PaymentResult:
        # Square takes a payment in one call, once the browser has a source token for it
        # (``complete_payment``); until then there is nothing to open at Square.
        return PaymentResult(reference="", status="pending")

    def complete_payment(
        self,
        *,
        amount: Money,
        payment_id: str,
        order_id: str,
        token: str,
        verification_token: str = "",
    ) -> PaymentResult:
        """Take the payment with the source token the Web Payments SDK gave the browser."""
        if not token:
            raise CommerceError("the card form gave no payment token", field="token")
        params = {
            "source_id": token,
            "idempotency_key": f"create-{payment_id}",
            "amount_money": {"amount": amount.minor, "currency": amount.currency},
            "autocomplete": True,
            "reference_id": payment_id,
            "note": f"Cadence order {order_id}",
        }
        if settings.SQUARE_LOCATION_ID:
            params["location_id"] = settings.SQUARE_LOCATION_ID
        if verification_token:
            params["verification_token"] = verification_token
        try:
            response = square_client().payments.create(**params)
        except ApiError as error:
            body = error.body if isinstance(error.body, dict) else {}
            if isinstance(body.get("payment"), dict):
                # A decline comes back as an error that still carries the failed payment.
                declined = payment_result(body["payment"])
                code, message = _error_text(error)
                return PaymentResult(
                    reference=declined.reference,
                    status="failed",
                    failure_code=code,
                    failure_message=message,
                )
            if error.status_code is not None and 400 <= error.status_code < 500:
                code, message = _error_text(error)
                return PaymentResult(
                    reference="", status="failed", failure_code=code, failure_message=message
                )
            raise ProcessorUnavailable(f"Square could not take the payment: {error}") from error
        except httpx.HTTPError as error:
            raise ProcessorUnavailable(f"Square could not be reached: {error}") from error
        return payment_result(response.payment.model_dump(mode="json") if response.payment else {})

    def confirm_payment(self, *, reference: str, outcome: str = "") -> PaymentResult:
        """Read the payment back from Square, with its processing fee once it is completed."""
        if not reference:
            return PaymentResult(reference="", status="pending")
        try:
            response = square_client().payments.get(reference)
        except (ApiError, httpx.HTTPError) as error:
            raise ProcessorUnavailable(f"Square could not be reached: {error}") from error
        return payment_result(response.payment.model_dump(mode="json") if response.payment else {})

    def cancel_payment(self, *, reference: str) -> None:
        """Cancel a payment Square approved but has not completed. A payment never taken (no
        reference) or already failed has nothing to cancel."""
        if not reference:
            return
        try:
            square_client().payments.cancel(reference)
        except ApiError as error:
            if error.status_code is not None and 400 <= error.status_code < 500:
                return  # not cancelable: completed, failed or already cancelled
            raise ProcessorUnavailable(f"Square could not cancel {reference}: {error}") from error
        except httpx.HTTPError as error:
            raise ProcessorUnavailable(f"Square could not cancel {reference}: {error}") from error

    def refund(self, *, reference: str, amount: Money, refund_id: str) -> RefundResult:
        try:
            response = square_client().refunds.refund_payment(
                # Our refund id: a retried refund is the same refund at Square, never a second one.
                idempotency_key=f"refund-{refund_id}",
                payment_id=reference,
                amount_money={"amount": amount.minor, "currency": amount.currency},
                reason=f"Cadence refund {refund_id}",
            )
        except ApiError as error:
            _, message = _error_text(error)
            if (
                error.status_code is not None
                and 400 <= error.status_code < 500
                and error.status_code != 429
            ):
                return RefundResult(reference="", status="failed", failure_message=message)
            # Square's own failure or a rate limit: the refund may have been made; it stays
            # pending and is asked again with the same idempotency key.
            return RefundResult(reference="", status="pending", failure_message=message)
        except httpx.HTTPError as error:
            return RefundResult(reference="", status="pending", failure_message=str(error))
        refund = response.refund.model_dump(mode="json") if response.refund else {}
        return RefundResult(
            reference=str(refund.get("id") or ""),
            status=_REFUND_STATUSES.get(str(refund.get("status")), "pending"),
        )

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        lowered = {key.lower(): value for key, value in headers.items()}
        signature = lowered.get(SIGNATURE_HEADER, "")
        if not signature:
            raise WebhookRejected(
                f"the {SIGNATURE_HEADER} header is missing", field=SIGNATURE_HEADER
            )
        if not (settings.SQUARE_WEBHOOK_SIGNATURE_KEY and settings.SQUARE_WEBHOOK_URL):
            raise WebhookRejected(
                "Square webhooks are not configured (SQUARE_WEBHOOK_SIGNATURE_KEY, "
                "SQUARE_WEBHOOK_URL)",
                field=SIGNATURE_HEADER,
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WebhookRejected("the body is not UTF-8", field="body") from error
        # HMAC-SHA256 of the notification URL followed by the raw body, base64, compared in
        # constant time (the SDK's helper does exactly this).
        if not verify_signature(
            request_body=text,
            signature_header=signature,
            signature_key=settings.SQUARE_WEBHOOK_SIGNATURE_KEY,
            notification_url=settings.SQUARE_WEBHOOK_URL,
        ):
            raise WebhookRejected("signature check failed", field=SIGNATURE_HEADER)
        try:
            notification = json.loads(text)
            event_id = str(notification["event_id"])
            kind = str(notification["type"])
            created = datetime.fromisoformat(str(notification["created_at"]).replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError) as error:
            raise WebhookRejected(
                f"the body is not a Square event: {error}", field="body"
            ) from error
        if created.tzinfo is None:
            raise WebhookRejected("created_at has no time zone", field="body")
        age = (datetime.now(UTC) - created).total_seconds()
        if age > WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRejected(f"the event is {int(age)} s old: too old", field="created_at")
        obj = ((notification.get("data") or {}).get("object")) or {}
        if kind.startswith("payment.") and isinstance(obj.get("payment"), dict):
            payment = obj["payment"]
            result = payment_result(payment)
            return WebhookEvent(
                event_id=event_id,
                event_type=kind,
                kind=_PAYMENT_KINDS.get(result.status, base.IGNORED),
                payment_reference=result.reference,
                payment_id=str(payment.get("reference_id") or ""),
                failure_code=result.failure_code,
                failure_message=result.failure_message,
                # A completed payment's notification carries Square's fee once it is assessed;
                # without it the payment is read back from Square.
                payment_result=result if result.fee is not None else None,
            )
        if kind.startswith("refund.") and isinstance(obj.get("refund"), dict):
            refund = obj["refund"]
            status = _REFUND_STATUSES.get(str(refund.get("status")), "pending")
            return WebhookEvent(
                event_id=event_id,
                event_type=kind,
                kind=base.REFUND_FAILED if status == "failed" else base.REFUND_UPDATED,
                payment_reference=str(refund.get("payment_id") or ""),
                refund_reference=str(refund.get("id") or ""),
                refund_status=status,
                failure_message="Square could not refund the payment."
                if status == "failed"
                else "",
            )
        return WebhookEvent(event_id=event_id, event_type=kind)

    def fee(self, amount: Money) -> Money:
        return processor_scheduled_fee(self.name, amount)
