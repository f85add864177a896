"""A real HTTP receiver on 127.0.0.1 for outbound webhooks: it records what arrives and answers
with the statuses it is told to, in order, then with its default."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self.answers: deque[int] = deque()
        self.default_status = 200
        self.delay_seconds = 0.0
        # Promise a longer answer than is sent, then hold the connection this long.
        self.stall_answer_seconds = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/cadence"

    def answer(self, *statuses: int, then: int = 200) -> None:
        self.answers.extend(statuses)
        self.default_status = then

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                time.sleep(receiver.delay_seconds)
                status = receiver.answers.popleft() if receiver.answers else receiver.default_status
                reply = f'{{"received": true, "status": {status}}}'.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if receiver.stall_answer_seconds:
                    self.send_header("Content-Length", str(len(reply) + 5000))
                    self.end_headers()
                    self.wfile.write(reply)
                    self.wfile.flush()
                    time.sleep(receiver.stall_answer_seconds)
                    return
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format, *args):
                pass

        return Handler
