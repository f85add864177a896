"""A local stand-in for Stripe's API, for the real stripe SDK to talk to over HTTP.

It keeps PaymentIntents and refunds in memory, honours idempotency keys as Stripe does (the same
key returns the first answer) and records every request, so tests can assert what we sent.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

_ids = itertools.count(1)


def _flat(form: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in form.items()}


class FakeStripe:
    def __init__(self):
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.transfers: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self._answers: dict[str, dict] = {}
        self._lock = threading.Lock()
        # While set, refunds are made but their answers never arrive (a timeout after the fact).
        self.refund_answers_lost = False
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
                url = urlparse(self.path)
                fake.requests.append(
                    ("GET", url.path, _flat(parse_qs(url.query)), dict(self.headers))
                )
                status, body = fake.get(url.path, parse_qs(url.query))
                self._reply(status, body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = _flat(parse_qs(self.rfile.read(length).decode()))
                url = urlparse(self.path)
                fake.requests.append(("POST", url.path, form, dict(self.headers)))
                key = self.headers.get("Idempotency-Key")
                with fake._lock:
                    if key and key in fake._answers:
                        status, body = 200, fake._answers[key]
                    else:
                        status, body = fake.post(url.path, form)
                        if key and status == 200:
                            fake._answers[key] = body
                if url.path == "/v1/refunds" and fake.refund_answers_lost:
                    self.close_connection = True
                    return
                self._reply(status, body)

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

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict]:
        if path == "/v1/payment_intents":
            number = next(_ids)
            intent = {
                "id": f"pi_fake{number}",
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "status": "requires_payment_method",
                "client_secret": f"pi_fake{number}_secret_abc",
                "automatic_payment_methods": {
                    "enabled": form.get("automatic_payment_methods[enabled]") == "true"
                },
                "metadata": {
                    key[len("metadata[") : -1]: value
                    for key, value in form.items()
                    if key.startswith("metadata[")
                },
                "latest_charge": None,
                "last_payment_error": None,
            }
            self.intents[intent["id"]] = intent
            return 200, intent
        if path.startswith("/v1/payment_intents/") and path.endswith("/cancel"):
            intent = self.intents.get(path.split("/")[3])
            if intent is None or intent["status"] == "succeeded":
                message = "This PaymentIntent cannot be canceled"
                return 400, {"error": {"type": "invalid_request_error", "message": message}}
            intent["status"] = "canceled"
            return 200, intent
        if path == "/v1/refunds":
            refund = {
                "id": f"re_fake{next(_ids)}",
                "object": "refund",
                "amount": int(form["amount"]),
                "payment_intent": form["payment_intent"],
                "status": "succeeded",
                "metadata": {"refund_id": form.get("metadata[refund_id]", "")},
            }
            self.refunds[refund["id"]] = refund
            return 200, refund
        if path == "/v1/transfers":
            # Payouts' Stripe Connect transfers, when a test pays payees on the same account.
            transfer = {
                "id": f"tr_fake{next(_ids)}",
                "object": "transfer",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "destination": form["destination"],
            }
            self.transfers[transfer["id"]] = transfer
            return 200, transfer
        return 404, {"error": {"type": "invalid_request_error", "message": f"no route {path}"}}

    def get(self, path: str, query) -> tuple[int, dict]:
        if path.startswith("/v1/payment_intents/"):
            intent = self.intents.get(path.rsplit("/", 1)[1])
            if intent is None:
                return 404, {
                    "error": {"type": "invalid_request_error", "message": "no such intent"}
                }
            return 200, intent
        return 404, {"error": {"type": "invalid_request_error", "message": f"no route {path}"}}

    # --- what the learner's browser and the card network would do -----------------------------

    def succeed(
        self, intent_id: str, *, fee: int, settlement: str = "", exchange_rate: float | None = None
    ) -> dict:
        """The charge succeeds; its balance transaction is in ``settlement`` currency (the
        intent's by default), converted at ``exchange_rate`` as Stripe reports it."""
        intent = self.intents[intent_id]
        intent["status"] = "succeeded"
        currency = settlement or intent["currency"]
        intent["latest_charge"] = {
            "id": f"ch_{intent_id}",
            "object": "charge",
            "balance_transaction": {
                "id": f"txn_{intent_id}",
                "object": "balance_transaction",
                "amount": round(intent["amount"] * (exchange_rate or 1)),
                "fee": fee,
                "currency": currency,
                "exchange_rate": exchange_rate,
            },
        }
        return intent

    def decline(self, intent_id: str) -> dict:
        intent = self.intents[intent_id]
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        }
        return intent


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_fake{next(_ids)}",
            "object": "event",
            "type": event_type,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )


def signature(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header as Stripe computes it and the SDK verifies it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
