"""PayPal: Orders v2 through PayPal's official server SDK (``paypal-server-sdk``).

Checkout places our order and creates a PayPal order for its total (``create_payment``, with
``PayPal-Request-Id`` so a retry creates nothing new); PayPal's own buttons (its JS SDK) show it to
the buyer, who approves it at PayPal; the page then asks us to capture it (``confirm_payment``,
idempotent too). The capture carries PayPal's actual fee
(``seller_receivable_breakdown.paypal_fee``). Webhooks are verified the documented way: their
transmission headers, our webhook id and the event go to PayPal's
``/v1/notifications/verify-webhook-signature``, after a check of the transmission time that
refuses a replay. Refunds go to ``/v2/payments/captures/{id}/refund`` with ``PayPal-Request-Id``.
Card or PayPal account details never reach our server.

``PAYPAL_API_BASE`` points the SDK at another address than its environment's (a local stand-in
in tests); the SDK itself knows only its sandbox and production addresses.
"""

from __future__ import annotations

import functools
import json
import threading
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests
from apimatic_core.exceptions.auth_validation_exception import AuthValidationException
from django.conf import settings
from paypalserversdk.configuration import Configuration, Environment
from paypalserversdk.exceptions.api_exception import ApiException
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials
from paypalserversdk.models.amount_with_breakdown import AmountWithBreakdown
from paypalserversdk.models.checkout_payment_intent import CheckoutPaymentIntent
from paypalserversdk.models.money import Money as PayPalMoney
from paypalserversdk.models.order_request import OrderRequest
from paypalserversdk.models.purchase_unit_request import PurchaseUnitRequest
from paypalserversdk.models.refund_request import RefundRequest
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient

from cadence.kernel.money import Money, MoneyError
from commerce.conf import scheduled_fee
from commerce.errors import CommerceError, ProcessorUnavailable, WebhookRejected
from commerce.processors import base
from commerce.processors.base import PaymentResult, RefundResult, WebhookEvent

# A delivery whose transmission time is further than this from now is refused (a replay).
WEBHOOK_TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 20
# What a call through the SDK raises: PayPal's answer as an error, no answer at all, or no token.
SDK_ERRORS = (ApiException, requests.RequestException, AuthValidationException)

# What PayPal's JS SDK needs on the checkout page while PayPal is offered (PayPal's published
# Content-Security-Policy list): its script and its API from paypal.com, its assets from
# paypalobjects.com, and the frames of the buttons and the approval window.
PAYPAL_CSP = {
    "script-src": ["https://*.paypal.com", "https://*.paypalobjects.com"],
    "connect-src": ["https://*.paypal.com", "https://*.paypalobjects.com"],
    "frame-src": ["https://*.paypal.com"],
    "img-src": ["https://*.paypal.com", "https://*.paypalobjects.com"],
}
SDK_SCRIPT = "https://www.paypal.com/sdk/js"

_CAPTURE_STATUSES = {
    "COMPLETED": "succeeded",
    "PENDING": "pending",
    "DECLINED": "failed",
    "FAILED": "failed",
}
_REFUND_STATUSES = {
    "COMPLETED": "succeeded",
    "PENDING": "pending",
    "FAILED": "failed",
    "CANCELLED": "failed",
}
_EVENT_KINDS = {
    "PAYMENT.CAPTURE.COMPLETED": base.PAYMENT_SUCCEEDED,
    "PAYMENT.CAPTURE.DECLINED": base.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.DENIED": base.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.REFUNDED": base.REFUND_UPDATED,
}
# Transmission headers, lower-cased (Django hands them over in its own capitalisation).
_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}


class _Configuration(Configuration):
    """The SDK's configuration, at ``PAYPAL_API_BASE`` instead of its environment's address."""

    def __init__(self, *args, base_uri: str = "", **kwargs):
        self.base_uri = base_uri
        super().__init__(*args, **kwargs)

    def get_base_uri(self, server=None):
        if self.base_uri:
            return self.base_uri
        return super().get_base_uri() if server is None else super().get_base_uri(server)


class _Tokens:
    """The client's OAuth token, shared by the SDK's calls and our own webhook check, fetched
    again only once it expires (PayPal asks callers to reuse their tokens)."""

    def __init__(self):
        self.current = None
        self._lock = threading.Lock()

    def provide(self, last, auth):
        with self._lock:
            if self.current is None or auth.is_token_expired(self.current):
                self.current = auth.fetch_token()
            return self.current


@functools.lru_cache(maxsize=4)
def _client_for(client_id: str, secret: str, environment: str, base_uri: str):
    """One SDK client per set of credentials: it keeps its OAuth token until it expires."""
    tokens = _Tokens()
    config = _Configuration(
        base_uri=base_uri.rstrip("/"),
        environment=(
            Environment.PRODUCTION if environment == "production" else Environment.SANDBOX
        ),
        timeout=TIMEOUT_SECONDS,
        client_credentials_auth_credentials=ClientCredentialsAuthCredentials(
            o_auth_client_id=client_id,
            o_auth_client_secret=secret,
            o_auth_token_provider=tokens.provide,
        ),
    )
    config.tokens = tokens
    return PaypalServersdkClient(config=config)


def paypal_client() -> PaypalServersdkClient:
    if not (settings.PAYPAL_CLIENT_ID and settings.PAYPAL_SECRET):
        raise CommerceError(
            "PayPal is not configured (PAYPAL_CLIENT_ID, PAYPAL_SECRET)", field="processor"
        )
    return _client_for(
        settings.PAYPAL_CLIENT_ID,
        settings.PAYPAL_SECRET,
        settings.PAYPAL_ENVIRONMENT,
        settings.PAYPAL_API_BASE,
    )


def _body(response) -> dict:
    try:
        return json.loads(response.text or "{}")
    except ValueError:
        return {}


def _issue(error: ApiException) -> str:
    """PayPal's reason for a refusal: the first detail's ``issue`` (INSTRUMENT_DECLINED…)."""
    body = _body(error.response)
    details = body.get("details") or [{}]
    return str(details[0].get("issue") or body.get("name") or "")


def _message(error: ApiException) -> str:
    body = _body(error.response)
    details = body.get("details") or [{}]
    return str(details[0].get("description") or body.get("message") or error.reason)


def _refused(error: Exception) -> bool:
    """A 4xx from PayPal: it answered, and said no. Anything else leaves the outcome unknown, and
    so does a 401: our credentials or token were refused, not the payment."""
    if not isinstance(error, ApiException):
        return False
    return 400 <= error.response_code < 500 and error.response_code != 401


def _amount(money: Money) -> str:
    return money.to_decimal_string()


def _paypal_money(value: dict | None) -> Money | None:
    if not value or not value.get("value"):
        return None
    try:
        return Money.parse(str(value["value"]), str(value["currency_code"]))
    except (MoneyError, KeyError):
        return None


def _capture_of(order: dict) -> dict:
    """The order's capture (we create one purchase unit and capture it once)."""
    for unit in order.get("purchase_units") or []:
        captures = (unit.get("payments") or {}).get("captures") or []
        if captures:
            return captures[-1]
    return {}


def result_from_capture(reference: str, capture: dict) -> PaymentResult:
    """Where a capture stands, with PayPal's actual fee when it has one."""
    status = _CAPTURE_STATUSES.get(str(capture.get("status")), "pending")
    fee = None
    if status == "succeeded":
        breakdown = capture.get("seller_receivable_breakdown") or {}
        fee = _paypal_money(breakdown.get("paypal_fee"))
        if fee is None and breakdown:
            # A capture without a fee line: PayPal charged nothing on it.
            gross = _paypal_money(breakdown.get("gross_amount"))
            fee = Money.zero(gross.currency) if gross is not None else None
    reason = (capture.get("status_details") or {}).get("reason") or ""
    return PaymentResult(
        reference=reference,
        status=status,
        fee=fee,
        failure_code=str(reason).lower() if status == "failed" else "",
        failure_message=f"PayPal declined the payment ({reason})." if status == "failed" else "",
    )


def _transmission_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise WebhookRejected(
            f"'{value}' is not a transmission time", field="PAYPAL-TRANSMISSION-TIME"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class PayPalProcessor:
    name = "paypal"
    label = "PayPal"
    required_settings = ("PAYPAL_CLIENT_ID", "PAYPAL_SECRET", "PAYPAL_WEBHOOK_ID")
    checkout_template = "commerce/checkout/processors/paypal.html"
    checkout_csp = PAYPAL_CSP
    pay_page = ""  # the checkout page itself shows PayPal's buttons
    # Its buttons place the order themselves (through the API); the form's Pay button cannot.
    pays_with_own_button = True

    def checkout_context(self, *, currency: str) -> dict:
        """PayPal's JS SDK address for the buttons: our public client id, the cart's currency
        and capture at once. The client id is public by design; the secret never leaves us."""
        query = urlencode(
            {
                "client-id": settings.PAYPAL_CLIENT_ID,
                "currency": currency,
                "intent": "capture",
                "components": "buttons",
            }
        )
        return {"paypal_sdk_url": f"{SDK_SCRIPT}?{query}"}

    def create_payment(self, *, amount: Money, payment_id: str, order_id: str) -> PaymentResult:
        body = OrderRequest(
            intent=CheckoutPaymentIntent.CAPTURE,
            purchase_units=[
                PurchaseUnitRequest(
                    amount=AmountWithBreakdown(
                        currency_code=amount.currency, value=_amount(amount)
                    ),
                    reference_id=order_id,
                    # Our ids ride along on the capture, so its webhook finds the payment.
                    custom_id=payment_id,
                    invoice_id=order_id,
                )
            ],
        )
        try:
            response = paypal_client().orders.create_order(
                {
                    "body": body,
                    "paypal_request_id": f"create-{payment_id}",
                    "prefer": "return=representation",
                }
            )
        except SDK_ERRORS as error:
            message = _message(error) if isinstance(error, ApiException) else str(error)
            raise ProcessorUnavailable(f"PayPal refused the order: {message}") from error
        order = _body(response)
        return PaymentResult(reference=str(order["id"]), status="pending")

    def confirm_payment(self, *, reference: str, outcome: str = "") -> PaymentResult:
        """Capture the order the buyer approved, or read back one captured already."""
        client = paypal_client()
        try:
            response = client.orders.capture_order(
                {
                    "id": reference,
                    # The same capture asked twice (a retry, two tabs) is one capture at PayPal.
                    "paypal_request_id": f"capture-{reference}",
                    "prefer": "return=representation",
                }
            )
        except SDK_ERRORS as error:
            if not _refused(error):
                raise ProcessorUnavailable(f"PayPal could not be reached: {error}") from error
            issue = _issue(error)
            if issue == "ORDER_ALREADY_CAPTURED":
                return self._read_back(client, reference)
            if issue in {"ORDER_NOT_APPROVED", "PAYER_ACTION_REQUIRED"}:
                return PaymentResult(reference=reference, status="pending")
            return PaymentResult(
                reference=reference,
                status="failed",
                failure_code=issue.lower() or "declined",
                failure_message=_message(error),
            )
        return result_from_capture(reference, _capture_of(_body(response)))

    def _read_back(self, client, reference: str) -> PaymentResult:
        try:
            response = client.orders.get_order({"id": reference})
        except SDK_ERRORS as error:
            raise ProcessorUnavailable(f"PayPal could not be reached: {error}") from error
        return result_from_capture(reference, _capture_of(_body(response)))

    def cancel_payment(self, *, reference: str) -> None:
        # PayPal has no call to void an order; it expires unless captured, and only we capture
        # (never once our payment is cancelled), so nothing can be taken.
        return None

    def refund(self, *, reference: str, amount: Money, refund_id: str) -> RefundResult:
        client = paypal_client()
        try:
            order = _body(client.orders.get_order({"id": reference}))
            capture_id = _capture_of(order).get("id")
            if not capture_id:
                return RefundResult(
                    reference="", status="failed", failure_message="PayPal holds no capture"
                )
            response = client.payments.refund_captured_payment(
                {
                    "capture_id": capture_id,
                    # Our refund id: a retried refund is the same refund at PayPal.
                    "paypal_request_id": f"refund-{refund_id}",
                    "prefer": "return=representation",
                    "body": RefundRequest(
                        amount=PayPalMoney(currency_code=amount.currency, value=_amount(amount)),
                        custom_id=refund_id,
                    ),
                }
            )
        except SDK_ERRORS as error:
            if _refused(error):
                return RefundResult(reference="", status="failed", failure_message=_message(error))
            # No answer, or PayPal's own failure: the refund may have been made. It stays
            # pending and is asked again with the same PayPal-Request-Id.
            return RefundResult(reference="", status="pending", failure_message=str(error))
        refund = _body(response)
        return RefundResult(
            reference=str(refund.get("id") or ""),
            status=_REFUND_STATUSES.get(str(refund.get("status")), "pending"),
        )

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        lowered = {key.lower(): value for key, value in headers.items()}
        transmission = {}
        for field, header in _HEADERS.items():
            if not lowered.get(header):
                raise WebhookRejected(
                    f"the {header.upper()} header is missing", field=header.upper()
                )
            transmission[field] = lowered[header]
        age = (
            datetime.now(UTC) - _transmission_time(transmission["transmission_time"])
        ).total_seconds()
        if abs(age) > WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRejected(
                f"the delivery was sent {int(age)} s ago; at most {WEBHOOK_TOLERANCE_SECONDS} s "
                "is accepted",
                field="PAYPAL-TRANSMISSION-TIME",
            )
        try:
            text = body.decode("utf-8")
            event = json.loads(text)
        except (UnicodeDecodeError, ValueError) as error:
            raise WebhookRejected(
                f"the body is not a PayPal event: {error}", field="body"
            ) from error
        if not isinstance(event, dict) or not event.get("id"):
            raise WebhookRejected("the body is not a PayPal event", field="body")
        self._verify(transmission, text)
        return self._event(event)

    def _verify(self, transmission: dict[str, str], text: str) -> None:
        """Ask PayPal whether it sent this delivery. The event goes back byte for byte as it came
        (spliced into the request, not parsed and re-serialised, which could change it)."""
        if not settings.PAYPAL_WEBHOOK_ID:
            raise WebhookRejected("PAYPAL_WEBHOOK_ID is not set", field="body")
        fields = {**transmission, "webhook_id": settings.PAYPAL_WEBHOOK_ID}
        payload = json.dumps(fields)[:-1] + ', "webhook_event": ' + text + "}"
        client = paypal_client()
        try:
            token = client.config.tokens.provide(None, client.auth_managers["Oauth2"])
            response = requests.post(
                f"{client.config.get_base_uri()}/v1/notifications/verify-webhook-signature",
                data=payload.encode(),
                headers={
                    "Authorization": f"Bearer {token.access_token}",
                    "Content-Type": "application/json",
                },
                timeout=TIMEOUT_SECONDS,
            )
        except SDK_ERRORS as error:
            raise ProcessorUnavailable(f"PayPal could not verify the delivery: {error}") from error
        if response.status_code >= 500:
            raise ProcessorUnavailable(f"PayPal could not verify the delivery: {response.text}")
        status = _body(response).get("verification_status")
        if response.status_code != 200 or status != "SUCCESS":
            raise WebhookRejected(
                f"PayPal did not verify the delivery ({status or response.status_code})",
                field="PAYPAL-TRANSMISSION-SIG",
            )

    def _event(self, event: dict) -> WebhookEvent:
        kind = str(event.get("event_type") or "")
        resource = event.get("resource") or {}
        meaning = _EVENT_KINDS.get(kind, base.IGNORED)
        if kind.startswith("PAYMENT.CAPTURE.") and meaning != base.REFUND_UPDATED:
            order_id = str(
                ((resource.get("supplementary_data") or {}).get("related_ids") or {}).get(
                    "order_id"
                )
                or ""
            )
            result = (
                result_from_capture(order_id, resource)
                if meaning == base.PAYMENT_SUCCEEDED
                else None
            )
            reason = (resource.get("status_details") or {}).get("reason") or ""
            return WebhookEvent(
                event_id=str(event["id"]),
                event_type=kind,
                kind=meaning,
                payment_reference=order_id,
                payment_id=str(resource.get("custom_id") or ""),
                failure_code=str(reason).lower(),
                failure_message=f"PayPal declined the payment ({reason})." if reason else "",
                payment_result=result,
            )
        if meaning == base.REFUND_UPDATED:
            return WebhookEvent(
                event_id=str(event["id"]),
                event_type=kind,
                kind=meaning,
                refund_reference=str(resource.get("id") or ""),
                refund_id=str(resource.get("custom_id") or ""),
                refund_status=_REFUND_STATUSES.get(str(resource.get("status")), "pending"),
            )
        return WebhookEvent(event_id=str(event["id"]), event_type=kind)

    def fee(self, amount: Money) -> Money:
        return scheduled_fee(amount)
