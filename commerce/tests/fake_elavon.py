"""A local stand-in for Elavon Converge: the session token endpoint and the XML API.

``POST /hosted-payments/transaction_token`` answers a session token as plain text;
``POST /VirtualMerchantDemo/processxml.do`` takes ``xmldata=<txn>…</txn>`` and answers XML as
Converge's developer guide shows (``txnquery`` by transaction id or date range, ``ccreturn``,
``ccvoid``; ``<errorCode>`` on a refusal). ``pay`` plays the learner on the Hosted Payment Page or
Lightbox: Converge makes the sale the session token describes.
"""

from __future__ import annotations

import itertools
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from defusedxml import ElementTree as SafeET

MERCHANT_ID = "0012345"
USER_ID = "apiuser"
PIN = "PIN-FAKE"

_ids = itertools.count(1)


def _xml(tag: str, records: list[dict[str, str]] | dict[str, str]) -> str:
    if isinstance(records, dict):
        root = ET.Element(tag)
        for name, value in records.items():
            ET.SubElement(root, name).text = str(value)
        return ET.tostring(root, encoding="unicode")
    root = ET.Element("txnlist")
    ET.SubElement(root, "ssl_txn_count").text = str(len(records))
    for record in records:
        txn = ET.SubElement(root, "txn")
        for name, value in record.items():
            ET.SubElement(txn, name).text = str(value)
    return ET.tostring(root, encoding="unicode")


def _error(code: str, name: str, message: str) -> str:
    return _xml("txn", {"errorCode": code, "errorName": name, "errorMessage": message})


def _time(at: datetime) -> str:
    return at.strftime("%m/%d/%Y %I:%M:%S %p")


class FakeElavon:
    def __init__(self):
        self.tokens: dict[str, dict[str, str]] = {}
        self.transactions: dict[str, dict[str, str]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        # While set, returns are made but their answers never arrive (a timeout after the fact).
        self.return_answers_lost = False
        # While set, Converge refuses every return.
        self.returns_refused = False
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, body: str, content_type: str = "text/xml") -> None:
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlparse(self.path).path
                if path == "/hosted-payments/transaction_token":
                    fake.requests.append((path, form))
                    self._reply(fake.session_token(form), "text/plain")
                    return
                if path == "/VirtualMerchantDemo/processxml.do":
                    fields = {c.tag: c.text or "" for c in SafeET.fromstring(form["xmldata"])}
                    fake.requests.append((path, fields))
                    with fake._lock:
                        answer = fake.xml(fields)
                    if (
                        fields.get("ssl_transaction_type") == "ccreturn"
                        and fake.return_answers_lost
                    ):
                        self.close_connection = True
                        return
                    self._reply(answer)
                    return
                self.send_response(404)
                self.end_headers()

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

    @staticmethod
    def _authorised(fields: dict[str, str]) -> bool:
        return (
            fields.get("ssl_merchant_id"),
            fields.get("ssl_user_id"),
            fields.get("ssl_pin"),
        ) == (
            MERCHANT_ID,
            USER_ID,
            PIN,
        )

    # --- the API ---------------------------------------------------------------------------------

    def session_token(self, form: dict[str, str]) -> str:
        if not self._authorised(form) or form.get("ssl_transaction_type") != "ccsale":
            return "The credentials supplied in the authorization request are invalid."
        token = f"tok{next(_ids)}FAKE"
        self.tokens[token] = form
        return token

    def xml(self, fields: dict[str, str]) -> str:
        if not self._authorised(fields):
            return _error("4025", "Invalid Credentials", "The credentials supplied are invalid.")
        kind = fields.get("ssl_transaction_type", "")
        if kind == "txnquery":
            if fields.get("ssl_txn_id"):
                txn = self.transactions.get(fields["ssl_txn_id"])
                return _xml("txnlist", [txn] if txn else [])
            return _xml("txnlist", list(self.transactions.values()))
        original = self.transactions.get(fields.get("ssl_txn_id", ""))
        if kind == "ccvoid":
            if original is None or original["ssl_trans_status"] != "PEN":
                return _error("5040", "Invalid Transaction ID", "The transaction cannot be voided.")
            original["ssl_trans_status"] = "VOI"
            return _xml("txn", self._new("VOID", original["ssl_amount"], original, ""))
        if kind == "ccreturn":
            if self.returns_refused:
                return _error("5021", "Invalid Transaction", "The return was refused.")
            if original is None or original["ssl_transaction_type"] != "SALE":
                return _error("5040", "Invalid Transaction ID", "No such sale.")
            returned = sum(
                Decimal(t["ssl_amount"])
                for t in self.transactions.values()
                if t.get("ssl_orig_txn_id") == original["ssl_txn_id"]
                and t["ssl_transaction_type"] == "RETURN"
            )
            amount = Decimal(fields.get("ssl_amount") or original["ssl_amount"])
            if returned + amount > Decimal(original["ssl_amount"]):
                return _error("5021", "Invalid Amount", "The refund exceeds the sale.")
            return _xml(
                "txn",
                self._new("RETURN", str(amount), original, fields.get("ssl_invoice_number", "")),
            )
        return _error("4032", "Invalid Transaction Type", f"'{kind}' is not supported here.")

    def _new(self, kind: str, amount: str, original: dict, invoice: str) -> dict[str, str]:
        txn = {
            "ssl_txn_id": f"{next(_ids):06d}-FAKE",
            "ssl_transaction_type": kind,
            "ssl_amount": amount,
            "ssl_transaction_currency": original.get("ssl_transaction_currency", "USD"),
            "ssl_invoice_number": invoice,
            "ssl_orig_txn_id": original["ssl_txn_id"],
            "ssl_result": "0",
            "ssl_result_message": "APPROVAL",
            "ssl_trans_status": "PEN",
            "ssl_txn_time": _time(datetime.now(UTC)),
        }
        self.transactions[txn["ssl_txn_id"]] = txn
        return txn

    # --- the learner on Converge's page, and time passing --------------------------------------

    def pay(self, token: str, *, approved: bool = True) -> dict[str, str]:
        """The learner pays on the Hosted Payment Page / Lightbox: the sale the token describes.
        Returns what the browser is handed back (its callback's or redirect's fields)."""
        session = self.tokens[token]
        txn = {
            "ssl_txn_id": f"{next(_ids):06d}-FAKE",
            "ssl_transaction_type": "SALE",
            "ssl_amount": session["ssl_amount"],
            "ssl_transaction_currency": session.get("ssl_transaction_currency", "USD"),
            "ssl_invoice_number": session.get("ssl_invoice_number", ""),
            "ssl_result": "0" if approved else "1",
            "ssl_result_message": "APPROVAL" if approved else "DECLINED",
            "ssl_trans_status": "PEN" if approved else "DEC",
            "ssl_card_number": "41**********9990",
            "ssl_txn_time": _time(datetime.now(UTC)),
        }
        self.transactions[txn["ssl_txn_id"]] = txn
        return dict(txn)

    def age(self, txn_id: str, seconds: int) -> None:
        at = datetime.now(UTC) - timedelta(seconds=seconds)
        self.transactions[txn_id]["ssl_txn_time"] = _time(at)


def result_post(txn: dict[str, str], **override: str) -> bytes:
    """The form Converge posts to the merchant's result URL after a sale."""
    fields = {
        name: txn[name]
        for name in (
            "ssl_txn_id",
            "ssl_invoice_number",
            "ssl_amount",
            "ssl_result",
            "ssl_result_message",
        )
    }
    return urlencode({**fields, **override}).encode()
