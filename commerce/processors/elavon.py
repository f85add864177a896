"""Elavon Converge: the Hosted Payment Page or Lightbox in the browser, the XML API on the server.

Elavon maintains no Python SDK, so this is a small client over ``requests`` for the parts of
Converge's documented API we use:

- a session token for the browser: ``POST /hosted-payments/transaction_token`` with
  ``ssl_transaction_type=ccsale``, the amount, and our payment id as ``ssl_invoice_number``;
- the browser pays on Converge's page (card data never reaches us) and comes back with a
  transaction id (``ssl_txn_id``). That is only a claim: we ask Converge for the transaction
  (``txnquery`` through ``processxml.do``) and accept it only if it is an approved sale of this
  payment's amount for this payment's invoice number;
- refunds are returns (``ccreturn``), which Converge allows in part or in full; a sale never
  taken into our books is voided (``ccvoid``).

Converge's API does not report its fee, so the ledger takes the operator's contracted schedule
(``ELAVON_FEE_PERCENT`` and ``ELAVON_FEE_FIXED``). Converge has no idempotency keys: a refund
carries our refund id as its invoice number, and before sending one we look for a return that
already carries it (a retry after an answer that never arrived finds the first).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # builds requests only; answers are read by defusedxml
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import requests
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.conf import settings

from cadence.kernel.money import Money
from commerce.conf import processor_scheduled_fee
from commerce.errors import CommerceError, ProcessorUnavailable, WebhookRejected
from commerce.processors import base
from commerce.processors.base import PaymentResult, RefundResult, WebhookEvent

ORIGINS = {
    "demo": "https://api.demo.convergepay.com",
    "production": "https://api.convergepay.com",
}
XML_PATHS = {
    "demo": "/VirtualMerchantDemo/processxml.do",
    "production": "/VirtualMerchant/processxml.do",
}
TOKEN_PATH = "/hosted-payments/transaction_token"  # noqa: S105 (a path, not a secret)
TIMEOUT_SECONDS = 20
# A result notification about a transaction older than this is a replay: refused.
NOTIFICATION_TOLERANCE_SECONDS = 900
# How far back a retried refund looks for the return it may already have made.
RETURN_LOOKBACK_DAYS = 30

_APPROVED_MESSAGES = {"APPROVAL", "APPROVED", "PARTIAL APPROVAL"}
# Transaction statuses of a sale that Converge declined or stopped (fraud and auth rules).
_FAILED_STATUSES = {"PST", "FPR", "PRE", "DEC"}


def _environment() -> str:
    return "production" if settings.ELAVON_ENVIRONMENT == "production" else "demo"


def converge_origin() -> str:
    """Converge's API origin (or the local stand-in), also where its browser scripts come from."""
    return (settings.ELAVON_API_BASE or ORIGINS[_environment()]).rstrip("/")


def hosted_payments_origin() -> str:
    """Where the Lightbox script and the Hosted Payment Page are served from (the real one even
    when the API is a local stand-in: browsers load it from Converge)."""
    return ORIGINS[_environment()]


def lightbox_script_url() -> str:
    return f"{hosted_payments_origin()}/hosted-payments/PayWithConverge.js"


def hosted_payment_page_url(token: str) -> str:
    return f"{hosted_payments_origin()}/hosted-payments?ssl_txn_auth_token={token}"


def _credentials() -> dict[str, str]:
    if not (settings.ELAVON_MERCHANT_ID and settings.ELAVON_USER_ID and settings.ELAVON_PIN):
        raise CommerceError(
            "Elavon is not configured (ELAVON_MERCHANT_ID, ELAVON_USER_ID, ELAVON_PIN)",
            field="processor",
        )
    return {
        "ssl_merchant_id": settings.ELAVON_MERCHANT_ID,
        "ssl_user_id": settings.ELAVON_USER_ID,
        "ssl_pin": settings.ELAVON_PIN,
    }


def _decimal(amount: Money) -> str:
    """Converge's amounts carry the currency's own decimals (2 for USD, 0 for JPY, 3 for BHD)."""
    return str(amount.to_decimal())


class ConvergeError(Exception):
    """Converge answered with an error (``errorCode``): it refused, nothing was done."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def converge_xml(fields: dict[str, str]) -> list[dict[str, str]]:
    """Send one XML API request; return the transactions of the answer (one for a sale, return
    or void; any number for a query). Raises ``ConvergeError`` for Converge's refusal and
    ``requests.RequestException`` when there is no answer."""
    txn = ET.Element("txn")
    for name, value in {**_credentials(), **fields}.items():
        ET.SubElement(txn, name).text = value
    response = requests.post(
        converge_origin() + XML_PATHS[_environment()],
        data={"xmldata": ET.tostring(txn, encoding="unicode")},
        timeout=TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    try:
        root = SafeET.fromstring(response.text)
    except (ET.ParseError, DefusedXmlException) as error:
        raise ConvergeError("invalid_response", f"Converge's answer is not XML: {error}") from error
    records = [root] if root.tag == "txn" else list(root.iter("txn"))
    parsed = [{child.tag: (child.text or "").strip() for child in record} for record in records]
    if parsed and parsed[0].get("errorCode"):
        raise ConvergeError(parsed[0]["errorCode"], parsed[0].get("errorMessage", ""))
    return [record for record in parsed if record.get("ssl_txn_id")]


def sale_status(txn: dict[str, str]) -> str:
    """Our status of a queried Converge sale."""
    message = txn.get("ssl_result_message", "").upper()
    if txn.get("ssl_trans_status", "").upper() in _FAILED_STATUSES:
        return "failed"
    if message in _APPROVED_MESSAGES or txn.get("ssl_result") == "0":
        return "succeeded"
    return "failed"


def _transaction_time(txn: dict[str, str]) -> datetime | None:
    raw = txn.get("ssl_txn_time", "")
    for layout in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S"):
        try:
            return datetime.strptime(raw, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


class ElavonProcessor:
    name = "elavon"
    label = "Card (Elavon)"
    required_settings = ("ELAVON_MERCHANT_ID", "ELAVON_USER_ID", "ELAVON_PIN")
    checkout_template = "commerce/checkout/processors/elavon.html"
    # The Lightbox loads on Elavon's own payment page only, never on the checkout page.
    checkout_csp: dict[str, list[str]] = {}
    pay_page = "commerce:elavon-pay"

    def checkout_context(self, *, currency: str) -> dict:
        return {}

    def session_token(self, *, amount: Money, payment_id: str, return_url: str = "") -> str:
        """A Converge session token for the Lightbox or the Hosted Payment Page (15 minutes).
        ``return_url``: where the Hosted Payment Page sends the learner back, with the sale's id."""
        fields = {
            **_credentials(),
            "ssl_transaction_type": "ccsale",
            "ssl_amount": _decimal(amount),
            "ssl_transaction_currency": amount.currency,
            "ssl_invoice_number": payment_id,
        }
        if return_url:
            fields |= {
                "ssl_receipt_link_method": "REDG",
                "ssl_receipt_apprvl_get_url": return_url,
                "ssl_receipt_decl_get_url": return_url,
            }
        try:
            response = requests.post(
                converge_origin() + TOKEN_PATH, data=fields, timeout=TIMEOUT_SECONDS
            )
            response.raise_for_status()
        except requests.RequestException as error:
            raise ProcessorUnavailable(f"Converge gave no session token: {error}") from error
        token = response.text.strip()
        if not token or "<" in token or " " in token:
            raise ProcessorUnavailable("Converge refused to open a payment session")
        return token

    def create_payment(self, *, amount: Money, payment_id: str, order_id: str) -> PaymentResult:
        # Converge makes the sale only when the learner pays on its page; until then our payment
        # has no reference there, just a session token for the browser.
        token = self.session_token(amount=amount, payment_id=payment_id)
        return PaymentResult(reference="", status="pending", client_secret=token)

    def query(self, reference: str) -> dict[str, str] | None:
        try:
            found = converge_xml(
                {
                    "ssl_transaction_type": "txnquery",
                    "ssl_txn_id": reference,
                    "ssl_time_zone_response_utc": "Y",
                }
            )
        except ConvergeError:
            return None
        except requests.RequestException as error:
            raise ProcessorUnavailable(f"Converge could not be reached: {error}") from error
        return next((txn for txn in found if txn["ssl_txn_id"] == reference), None)

    def complete_payment(
        self,
        *,
        amount: Money,
        payment_id: str,
        order_id: str,
        token: str,
        verification_token: str = "",
    ) -> PaymentResult:
        """The browser says Converge made sale ``token`` (its ``ssl_txn_id``): believe Converge,
        not the browser. Refused unless it is a sale of this amount for this payment."""
        txn = self.query(token) if token else None
        if txn is None:
            raise CommerceError("Converge knows no such transaction", field="token")
        mismatch = self.mismatch(txn, amount=amount, payment_id=payment_id)
        if mismatch:
            raise CommerceError(f"the transaction is not this payment: {mismatch}", field="token")
        return self._result(txn)

    @staticmethod
    def mismatch(txn: dict[str, str], *, amount: Money | None, payment_id: str | None) -> str:
        if txn.get("ssl_transaction_type", "").upper() not in {"SALE", "CCSALE"}:
            return "not a sale"
        if payment_id is not None and txn.get("ssl_invoice_number") != payment_id:
            return "another invoice number"
        if amount is not None:
            try:
                paid = Decimal(txn.get("ssl_amount", ""))
            except ArithmeticError:
                return "no amount"
            if paid != amount.to_decimal():
                return "another amount"
            currency = txn.get("ssl_transaction_currency") or amount.currency
            if currency.upper() != amount.currency:
                return "another currency"
        return ""

    def _result(self, txn: dict[str, str]) -> PaymentResult:
        status = sale_status(txn)
        return PaymentResult(
            reference=txn["ssl_txn_id"],
            status=status,
            # Converge reports no fee: the configured schedule applies (fee=None).
            failure_code="declined" if status == "failed" else "",
            failure_message=(
                f"Converge declined the payment ({txn.get('ssl_result_message') or 'declined'})."
                if status == "failed"
                else ""
            ),
        )

    def confirm_payment(self, *, reference: str, outcome: str = "") -> PaymentResult:
        if not reference:
            return PaymentResult(reference="", status="pending")
        txn = self.query(reference)
        if txn is None:
            return PaymentResult(reference=reference, status="pending")
        return self._result(txn)

    def cancel_payment(self, *, reference: str) -> None:
        """Void a sale still in the open batch. Nothing to do without one, or once it settled."""
        if not reference:
            return
        try:
            converge_xml({"ssl_transaction_type": "ccvoid", "ssl_txn_id": reference})
        except ConvergeError:
            return  # settled, already voided or unknown: nothing left to cancel
        except requests.RequestException as error:
            raise ProcessorUnavailable(f"Converge could not void {reference}: {error}") from error

    def refund(self, *, reference: str, amount: Money, refund_id: str) -> RefundResult:
        try:
            earlier = self._return_made_for(refund_id)
            if earlier is not None:
                return RefundResult(reference=earlier["ssl_txn_id"], status="succeeded")
            made = converge_xml(
                {
                    "ssl_transaction_type": "ccreturn",
                    "ssl_txn_id": reference,
                    "ssl_amount": _decimal(amount),
                    "ssl_invoice_number": refund_id,
                }
            )
        except ConvergeError as error:
            return RefundResult(reference="", status="failed", failure_message=error.message)
        except requests.RequestException as error:
            # No answer: the return may have been made. The refund stays pending; the retry
            # finds it by its invoice number rather than making a second one.
            return RefundResult(reference="", status="pending", failure_message=str(error))
        if not made:
            return RefundResult(reference="", status="pending", failure_message="no answer")
        txn = made[0]
        if txn.get("ssl_result") == "0":
            return RefundResult(reference=txn["ssl_txn_id"], status="succeeded")
        return RefundResult(
            reference=txn["ssl_txn_id"],
            status="failed",
            failure_message=txn.get("ssl_result_message", "Converge refused the return."),
        )

    def _return_made_for(self, refund_id: str) -> dict[str, str] | None:
        today = date.today()
        found = converge_xml(
            {
                "ssl_transaction_type": "txnquery",
                "ssl_search_start_date": (today - timedelta(days=RETURN_LOOKBACK_DAYS)).strftime(
                    "%m/%d/%Y"
                ),
                "ssl_search_end_date": (today + timedelta(days=1)).strftime("%m/%d/%Y"),
            }
        )
        return next(
            (
                txn
                for txn in found
                if txn.get("ssl_invoice_number") == refund_id
                and txn.get("ssl_transaction_type", "").upper() in {"RETURN", "CCRETURN"}
            ),
            None,
        )

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        """Converge posts a sale's result to our URL, unsigned. We trust only Converge's own
        answer about that transaction: it must exist, agree with what was posted, and be recent."""
        from urllib.parse import parse_qs

        try:
            posted = {
                k: v[0] for k, v in parse_qs(body.decode("utf-8"), strict_parsing=True).items()
            }
        except (UnicodeDecodeError, ValueError) as error:
            raise WebhookRejected("the body is not a Converge result", field="body") from error
        txn_id = posted.get("ssl_txn_id", "")
        if not txn_id:
            raise WebhookRejected("ssl_txn_id is missing", field="ssl_txn_id")
        txn = self.query(txn_id)
        if txn is None:
            raise WebhookRejected("Converge knows no such transaction", field="ssl_txn_id")
        for name in ("ssl_invoice_number", "ssl_amount", "ssl_result_message"):
            if name in posted and posted[name] != txn.get(name, posted[name]):
                raise WebhookRejected(f"{name} differs from Converge's record", field=name)
        mismatch = self.mismatch(txn, amount=None, payment_id=None)
        if mismatch:
            raise WebhookRejected(f"the transaction is {mismatch}", field="ssl_txn_id")
        happened = _transaction_time(txn)
        if happened is None:
            raise WebhookRejected("Converge's record has no time", field="ssl_txn_id")
        age = (datetime.now(UTC) - happened).total_seconds()
        if age > NOTIFICATION_TOLERANCE_SECONDS:
            raise WebhookRejected(
                f"the transaction is {int(age)} s old: too old", field="ssl_txn_id"
            )
        result = self._result(txn)
        succeeded = result.status == "succeeded"
        return WebhookEvent(
            event_id=txn_id,
            event_type="ccsale.approved" if succeeded else "ccsale.declined",
            kind=base.PAYMENT_SUCCEEDED if succeeded else base.PAYMENT_FAILED,
            payment_reference=txn_id,
            payment_id=txn.get("ssl_invoice_number", ""),
            failure_code=result.failure_code,
            failure_message=result.failure_message,
            # Converge's record was just read; its fee is the configured schedule's.
            payment_result=result if succeeded else None,
        )

    def fee(self, amount: Money) -> Money:
        return processor_scheduled_fee(self.name, amount)
