"""A local stand-in for Square's Payments and Refunds APIs, for the real squareup SDK over HTTP.

It speaks the JSON of Square's API reference (``POST /v2/payments``, ``GET /v2/payments/{id}``,
``POST /v2/payments/{id}/cancel``, ``POST /v2/refunds``, ``GET /v2/refunds/{id}``), keeps payments
and refunds in memory, honours idempotency keys as Square does (the same key and body return the
first answer; the same key with another body is ``IDEMPOTENCY_KEY_REUSED``) and records every
request. Source tokens follow Square's sandbox test values: ``cnon:card-nonce-ok`` is taken,
``cnon:card-nonce-declined`` is declined.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

OK_NONCE = "cnon:card-nonce-ok"
DECLINED_NONCE = "cnon:card-nonce-declined"

_ids = itertools.count(1)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, code: str, detail: str, category: str = "INVALID_REQUEST_ERROR"):
    return status, {"errors": [{"category": category, "code": code, "detail": detail}]}


class FakeSquare:
    def __init__(self):
        self.payments: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict, dict[str, str]]] = []
        self._answers: dict[str, tuple[str, int, dict]] = {}
        self._bodies: dict[str, dict] = {}
        self._lock = threading.Lock()
        # The fee Square assesses on a completed payment; None: not assessed yet (no list).
        self.fee_for = lambda amount: amount * 26 // 1000 + 15
        # What a new refund's status is (Square answers PENDING and completes it later).
        self.refund_status = "PENDING"
        # While set, refunds answer 500 (Square's own failure) without making anything.
        self.refunds_fail_with_500 = False
        # While set, Square refuses every refund (a 400: disputed, too old...).
        self.refunds_refused = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urlparse(self.path).path
                fake.requests.append(("GET", path, {}, dict(self.headers)))
                self._reply(*fake.get(path))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                body = json.loads(raw or b"{}")
                path = urlparse(self.path).path
                fake.requests.append(("POST", path, body, dict(self.headers)))
                if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                    self._reply(
                        *_error(401, "UNAUTHORIZED", "no access token", "AUTHENTICATION_ERROR")
                    )
                    return
                self._reply(*fake.post(path, body))

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

    # --- the API ---------------------------------------------------------------------------------

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        key = body.get("idempotency_key")
        with self._lock:
            if key and key in self._answers:
                first_path, status, answer = self._answers[key]
                if first_path != path or self._bodies[key] != body:
                    return _error(
                        400, "IDEMPOTENCY_KEY_REUSED", "the key was used with another request"
                    )
                return status, answer
            status, answer = self._post(path, body)
            if key and status < 500:
                self._answers[key] = (path, status, answer)
                self._bodies[key] = body
            return status, answer

    def _post(self, path: str, body: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if path == "/v2/payments":
            return self._create_payment(body)
        if len(parts) == 4 and parts[:2] == ["v2", "payments"] and parts[3] == "cancel":
            payment = self.payments.get(parts[2])
            if payment is None:
                return _error(404, "NOT_FOUND", "no such payment")
            if payment["status"] != "APPROVED":
                return _error(
                    400, "BAD_REQUEST", f"a {payment['status']} payment cannot be canceled"
                )
            payment["status"] = "CANCELED"
            return 200, {"payment": payment}
        if path == "/v2/refunds":
            if self.refunds_fail_with_500:
                return _error(500, "INTERNAL_SERVER_ERROR", "try again", "API_ERROR")
            if self.refunds_refused:
                return _error(400, "REFUND_DECLINED", "the payment is disputed")
            payment = self.payments.get(body.get("payment_id", ""))
            if payment is None or payment["status"] != "COMPLETED":
                return _error(400, "NOT_FOUND", "no completed payment to refund")
            refunded = sum(
                r["amount_money"]["amount"]
                for r in self.refunds.values()
                if r["payment_id"] == payment["id"] and r["status"] != "FAILED"
            )
            amount = int(body["amount_money"]["amount"])
            if refunded + amount > payment["amount_money"]["amount"]:
                return _error(400, "REFUND_AMOUNT_INVALID", "more than the payment")
            refund = {
                "id": f"rf_fake{next(_ids)}",
                "status": self.refund_status,
                "amount_money": body["amount_money"],
                "payment_id": payment["id"],
                "location_id": payment["location_id"],
                "reason": body.get("reason", ""),
                "created_at": _now(),
                "updated_at": _now(),
            }
            self.refunds[refund["id"]] = refund
            return 200, {"refund": refund}
        return _error(404, "NOT_FOUND", f"no route {path}")

    def _create_payment(self, body: dict) -> tuple[int, dict]:
        for field in ("source_id", "idempotency_key", "amount_money"):
            if not body.get(field):
                return _error(400, "MISSING_REQUIRED_PARAMETER", f"{field} is required")
        number = next(_ids)
        payment = {
            "id": f"sq_pay_fake{number}",
            "created_at": _now(),
            "updated_at": _now(),
            "amount_money": body["amount_money"],
            "total_money": body["amount_money"],
            "status": "COMPLETED" if body.get("autocomplete", True) else "APPROVED",
            "source_type": "CARD",
            "location_id": body.get("location_id") or "LFAKE",
            "reference_id": body.get("reference_id", ""),
            "note": body.get("note", ""),
            "card_details": {
                "status": "CAPTURED",
                "card": {"card_brand": "VISA", "last_4": "1111"},
            },
        }
        if body["source_id"] == DECLINED_NONCE:
            payment["status"] = "FAILED"
            payment["card_details"] = {
                "status": "FAILED",
                "errors": [{"code": "GENERIC_DECLINE", "category": "PAYMENT_METHOD_ERROR"}],
            }
            self.payments[payment["id"]] = payment
            status, answer = _error(
                400,
                "GENERIC_DECLINE",
                "Authorization error: 'GENERIC_DECLINE'",
                "PAYMENT_METHOD_ERROR",
            )
            return status, {**answer, "payment": payment}
        if body["source_id"] != OK_NONCE:
            return _error(400, "INVALID_CARD_DATA", "unknown source_id")
        if payment["status"] == "COMPLETED":
            self._assess_fee(payment)
        self.payments[payment["id"]] = payment
        return 200, {"payment": payment}

    def _assess_fee(self, payment: dict) -> None:
        fee = self.fee_for(payment["amount_money"]["amount"])
        if fee is not None:
            payment["processing_fee"] = [
                {
                    "effective_at": _now(),
                    "type": "INITIAL",
                    "amount_money": {
                        "amount": fee,
                        "currency": payment["amount_money"]["currency"],
                    },
                }
            ]

    def get(self, path: str) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[:2] == ["v2", "payments"]:
            payment = self.payments.get(parts[2])
            return (
                (200, {"payment": payment}) if payment else _error(404, "NOT_FOUND", "no payment")
            )
        if len(parts) == 3 and parts[:2] == ["v2", "refunds"]:
            refund = self.refunds.get(parts[2])
            return (200, {"refund": refund}) if refund else _error(404, "NOT_FOUND", "no refund")
        return _error(404, "NOT_FOUND", f"no route {path}")

    # --- what happens at Square later ----------------------------------------------------------

    def complete_refund(self, refund_id: str, status: str = "COMPLETED") -> dict:
        refund = self.refunds[refund_id]
        refund["status"] = status
        refund["updated_at"] = _now()
        return refund


def notification(
    kind: str, obj_type: str, obj: dict, *, event_id: str | None = None, age_seconds: int = 0
) -> str:
    """A webhook body as Square sends it (``payment.updated``, ``refund.updated``...)."""
    created = datetime.now(UTC) - timedelta(seconds=age_seconds)
    return json.dumps(
        {
            "merchant_id": "MFAKE",
            "type": kind,
            "event_id": event_id or str(uuid.uuid4()),
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "data": {"type": obj_type, "id": obj["id"], "object": {obj_type: obj}},
        }
    )


def signature(body: str, *, key: str, url: str) -> str:
    """The ``x-square-hmacsha256-signature`` header: base64 HMAC-SHA256 of URL + body."""
    digest = hmac.new(key.encode(), (url + body).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
