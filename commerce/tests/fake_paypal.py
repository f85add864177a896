"""A local stand-in for PayPal's REST API, for the real PayPal server SDK to talk to over HTTP.

It speaks the parts of the API we use as PayPal's public reference shows them: the OAuth token
(client credentials, Basic auth), Orders v2 (create, get, capture), refunds of a capture, and the
webhook signature check (``/v1/notifications/verify-webhook-signature``). It honours
``PayPal-Request-Id`` as PayPal does (the same id returns the first answer), requires the bearer
token it issued, and records every request so tests can assert what we sent.

The buyer's side is played by ``approve`` (the buyer approves the order in PayPal's window, with a
funding source that pays or is declined) and webhook deliveries by ``delivery``: signed over the
transmission id, time, webhook id and the body's CRC32, as PayPal signs them, and verifiable only
if nothing in them changed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import threading
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_ids = itertools.count(1)
CLIENT_ID = "paypal-client-id"
SECRET = "paypal-secret"
WEBHOOK_ID = "WH-ID-0000000000000000"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, name: str, issue: str, description: str) -> tuple[int, dict]:
    return status, {
        "name": name,
        "message": "The requested action could not be performed, semantically incorrect, or "
        "failed business validation.",
        "debug_id": f"dbg{next(_ids)}",
        "details": [{"issue": issue, "description": description}],
    }


class FakePayPal:
    def __init__(self):
        self.orders: dict[str, dict] = {}
        self.captures: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict[str, str], dict]] = []
        self.tokens: set[str] = set()
        self._answers: dict[tuple[str, str], tuple[int, dict]] = {}
        self._deliveries: dict[str, bytes] = {}
        self._signing_key = b"fake-paypal-signing-key"
        self._lock = threading.Lock()
        # PayPal refuses every refund while set (a 422, as for a capture too old to refund).
        self.refuse_refunds = False
        # While set, refunds are made but their answers never arrive (a timeout after the fact).
        self.refund_answers_lost = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = dict(self.headers)
                status, body = fake.handle(method, self.path, headers, raw)
                if status == -1:  # the answer is lost on the way back
                    self.close_connection = True
                    return
                self._reply(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # --- HTTP ---------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes):
        lowered = {k.lower(): v for k, v in headers.items()}
        if path == "/v1/oauth2/token" and method == "POST":
            self.requests.append((method, path, headers, {}))
            return self._token(lowered.get("authorization", ""))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return _error(400, "INVALID_REQUEST", "MALFORMED_REQUEST_JSON", "not JSON")
        self.requests.append((method, path, headers, body))
        bearer = lowered.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return 401, {
                "error": "invalid_token",
                "error_description": "Token signature verification failed",
            }
        request_id = lowered.get("paypal-request-id")
        with self._lock:
            if request_id and (path, request_id) in self._answers:
                status, answer = self._answers[(path, request_id)]
                return (200 if status == 201 else status), answer
            status, answer = self.route(method, path, body, raw)
            if request_id and status in {200, 201}:
                self._answers[(path, request_id)] = (status, answer)
        if path.endswith("/refund") and self.refund_answers_lost:
            return -1, {}
        return status, answer

    def _token(self, authorization: str):
        expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {
                "error": "invalid_client",
                "error_description": "Client Authentication failed",
            }
        token = f"A21AA{next(_ids):08d}"
        self.tokens.add(token)
        return 200, {
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": 32400,
            "nonce": f"{_now()}nonce",
        }

    def route(self, method: str, path: str, body: dict, raw: bytes = b"") -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v2/checkout/orders":
            return self._order_create(body)
        if parts[:3] == ["v2", "checkout", "orders"] and len(parts) >= 4:
            order = self.orders.get(parts[3])
            if order is None:
                return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "no such order")
            if method == "GET" and len(parts) == 4:
                return 200, order
            if method == "POST" and parts[4:] == ["capture"]:
                return self._capture(order)
        if (
            method == "POST"
            and parts[:3] == ["v2", "payments", "captures"]
            and parts[4:] == ["refund"]
        ):
            return self._refund(parts[3], body)
        if method == "POST" and path == "/v1/notifications/verify-webhook-signature":
            return 200, {"verification_status": self._verification(body, raw)}
        return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", f"no route {path}")

    # --- Orders v2 -------------------------------------------------------------------------------

    def _order_create(self, body: dict) -> tuple[int, dict]:
        if body.get("intent") != "CAPTURE" or not body.get("purchase_units"):
            return _error(
                400, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "intent, purchase_units"
            )
        order_id = f"5O190127TN{next(_ids):06d}"
        units = [
            {**unit, "payee": {"merchant_id": "FAKEMERCHANT1"}} for unit in body["purchase_units"]
        ]
        order = {
            "id": order_id,
            "intent": "CAPTURE",
            "status": "CREATED",
            "purchase_units": units,
            "create_time": _now(),
            "links": [
                {"href": f"{self.url}/v2/checkout/orders/{order_id}", "rel": "self",
                 "method": "GET"},
                {"href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                 "rel": "approve", "method": "GET"},
                {"href": f"{self.url}/v2/checkout/orders/{order_id}/capture", "rel": "capture",
                 "method": "POST"},
            ],
        }  # fmt: skip
        self.orders[order_id] = order
        return 201, order

    def _capture(self, order: dict) -> tuple[int, dict]:
        if order["status"] == "COMPLETED":
            return _error(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "captured already")
        if order["status"] != "APPROVED":
            return _error(
                422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "payer has not approved"
            )
        if order.get("_declines"):
            return _error(
                422, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED",
                "The instrument presented was either declined by the processor or bank, or it "
                "can't be used for this payment.",
            )  # fmt: skip
        unit = order["purchase_units"][0]
        amount = unit["amount"]
        fee = order["_fee"]
        gross = Decimal(amount["value"])
        currency = amount["currency_code"]
        capture = {
            "id": f"3C679366HH{next(_ids):06d}",
            "status": "COMPLETED",
            "amount": {"currency_code": amount["currency_code"], "value": amount["value"]},
            "final_capture": True,
            "seller_protection": {"status": "ELIGIBLE"},
            "seller_receivable_breakdown": {
                "gross_amount": {"currency_code": currency, "value": amount["value"]},
                "paypal_fee": {"currency_code": currency, "value": fee},
                "net_amount": {"currency_code": currency, "value": str(gross - Decimal(fee))},
            },
            "custom_id": unit.get("custom_id"),
            "invoice_id": unit.get("invoice_id"),
            "supplementary_data": {"related_ids": {"order_id": order["id"]}},
            "create_time": _now(),
            "update_time": _now(),
        }  # fmt: skip
        self.captures[capture["id"]] = capture
        unit["payments"] = {"captures": [capture]}
        order["status"] = "COMPLETED"
        return 201, self._public(order)

    def _refund(self, capture_id: str, body: dict) -> tuple[int, dict]:
        capture = self.captures.get(capture_id)
        if capture is None:
            return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "no such capture")
        if self.refuse_refunds:
            return _error(
                422, "UNPROCESSABLE_ENTITY", "REFUND_TIME_LIMIT_EXCEEDED",
                "You are over the time limit to perform a refund on this capture.",
            )  # fmt: skip
        amount = body.get("amount") or capture["amount"]
        refunded = sum(
            Decimal(r["amount"]["value"])
            for r in self.refunds.values()
            if r["_capture"] == capture_id
        )
        if refunded + Decimal(amount["value"]) > Decimal(capture["amount"]["value"]):
            return _error(422, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED", "too much")
        refund = {
            "id": f"1JU08902781{next(_ids):06d}",
            "status": "COMPLETED",
            "amount": amount,
            "custom_id": body.get("custom_id"),
            "create_time": _now(),
            "links": [{"href": f"{self.url}/v2/payments/captures/{capture_id}", "rel": "up",
                       "method": "GET"}],
            "_capture": capture_id,
        }  # fmt: skip
        self.refunds[refund["id"]] = refund
        return 201, self._public(refund)

    @staticmethod
    def _public(resource: dict) -> dict:
        return {k: v for k, v in resource.items() if not k.startswith("_")}

    # --- what the buyer does in PayPal's window ---------------------------------------------------

    def approve(self, order_id: str, *, fee: str = "", declines: bool = False) -> dict:
        """The buyer logs in and approves the order; PayPal will charge ``fee`` (major units) on
        the capture, or decline the funding source when it is captured."""
        order = self.orders[order_id]
        order["status"] = "APPROVED"
        order["payer"] = {"payer_id": "FAKEPAYER1", "email_address": "buyer@example.com"}
        order["_fee"] = fee or "0.00"
        order["_declines"] = declines
        return order

    def capture(self, order_id: str) -> dict:
        """PayPal captured the order (our call reached it, its answer did not reach us)."""
        status, body = self._capture(self.orders[order_id])
        assert status == 201, body
        return body["purchase_units"][0]["payments"]["captures"][0]

    # --- webhooks ---------------------------------------------------------------------------------

    def event(self, event_type: str, resource: dict, *, event_id: str = "") -> dict:
        return {
            "id": event_id or f"WH-{next(_ids):04d}-FAKE",
            "event_version": "1.0",
            "create_time": _now(),
            "resource_type": "capture" if "CAPTURE" in event_type else "checkout-order",
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": f"{event_type} (fake)",
            "resource": self._public(resource),
        }

    def delivery(
        self, event: dict, *, webhook_id: str = WEBHOOK_ID, sent_at: datetime | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and transmission headers of one delivery of ``event``, signed."""
        body = json.dumps(event).encode()
        transmission_id = f"{next(_ids):08d}-fake-transmission"
        when = (sent_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._deliveries[transmission_id] = body
        headers = {
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-FAKE",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-SIG": self._signature(transmission_id, when, webhook_id, body),
            "PAYPAL-TRANSMISSION-TIME": when,
        }
        return body, headers

    def _signature(self, transmission_id: str, when: str, webhook_id: str, body: bytes) -> str:
        signed = f"{transmission_id}|{when}|{webhook_id}|{binascii.crc32(body)}".encode()
        return base64.b64encode(
            hmac.new(self._signing_key, signed, hashlib.sha256).digest()
        ).decode()

    def _verification(self, body: dict, raw: bytes) -> str:
        """SUCCESS only for a delivery we made, for the webhook id it was made for, whose event
        comes back byte for byte (PayPal signs the CRC32 of the body as it sent it)."""
        sent = self._deliveries.get(str(body.get("transmission_id")))
        if sent is None or _event_text(raw) != sent:
            return "FAILURE"
        expected = self._signature(
            body["transmission_id"], str(body.get("transmission_time")),
            str(body.get("webhook_id")), sent,
        )  # fmt: skip
        signature = str(body.get("transmission_sig"))
        return "SUCCESS" if hmac.compare_digest(expected, signature) else "FAILURE"


def _event_text(raw: bytes) -> bytes:
    """The ``webhook_event`` value exactly as it appears in a verification request."""
    text = raw.decode("utf-8", "replace")
    key = text.find('"webhook_event"')
    if key < 0:
        return b""
    start = text.index(":", key) + 1
    while text[start].isspace():
        start += 1
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return b""
    return text[start:end].encode()
