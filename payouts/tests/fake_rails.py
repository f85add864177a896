"""Local HTTP stand-ins for Stripe and PayPal, to run the real SDK/HTTP code against.

Like the real services they keep one result per idempotency key (Stripe) or sender_batch_id
(PayPal), so a repeated request returns the first result instead of paying twice.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeRails:
    def __init__(self, *, delay: float = 0.0, refuse: tuple[str, ...] = ()):
        self.delay = delay
        self.refuse = refuse  # destinations / receivers that are refused with a 400
        self.transfers: dict[str, dict] = {}  # idempotency key -> transfer
        self.paypal_batches: dict[str, dict] = {}  # sender_batch_id -> batch
        self.requests = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def transferred(self) -> int:
        with self.lock:
            return sum(t["amount"] for t in self.transfers.values())

    def _handler(self):
        rails = self

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

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                with rails.lock:
                    rails.requests += 1
                if rails.delay:
                    time.sleep(rails.delay)
                if self.path == "/v1/transfers":
                    return self._stripe_transfer(raw)
                if self.path == "/v1/oauth2/token":
                    return self._reply(200, {"access_token": "fake-token", "expires_in": 300})
                if self.path == "/v1/payments/payouts":
                    return self._paypal_payout(raw)
                return self._reply(404, {"error": {"message": "no such endpoint"}})

            def _stripe_transfer(self, raw: str) -> None:
                form = {key: values[0] for key, values in parse_qs(raw).items()}
                key = self.headers.get("Idempotency-Key", "")
                if form.get("destination") in rails.refuse:
                    return self._reply(400, {"error": {
                        "type": "invalid_request_error",
                        "message": "No such destination: " + form["destination"],
                    }})  # fmt: skip
                with rails.lock:
                    transfer = rails.transfers.get(key)
                    if transfer is None:
                        transfer = {
                            "id": f"tr_fake_{len(rails.transfers) + 1}",
                            "object": "transfer",
                            "amount": int(form["amount"]),
                            "currency": form["currency"],
                            "destination": form["destination"],
                            "transfer_group": form.get("transfer_group"),
                        }
                        rails.transfers[key] = transfer
                return self._reply(200, transfer)

            def _paypal_payout(self, raw: str) -> None:
                body = json.loads(raw)
                batch_id = body["sender_batch_header"]["sender_batch_id"]
                item = body["items"][0]
                if item["receiver"] in rails.refuse:
                    return self._reply(422, {"name": "RECEIVER_UNREGISTERED",
                                             "message": "Receiver is unregistered"})  # fmt: skip
                with rails.lock:
                    batch = rails.paypal_batches.setdefault(batch_id, {
                        "batch_header": {
                            "payout_batch_id": f"PB{len(rails.paypal_batches) + 1:08d}",
                            "batch_status": "PENDING",
                            "sender_batch_header": body["sender_batch_header"],
                        },
                        "amount": item["amount"],
                    })  # fmt: skip
                return self._reply(201, {"batch_header": batch["batch_header"]})

        return Handler
