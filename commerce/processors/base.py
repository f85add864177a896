"""The interface every payment processor adapter offers, and what it answers with.

Adapters talk to the processor and translate; they never touch the database. Services decide what
an answer means for orders and payments. No card data passes through here: card details go from
the browser to the processor, and we only ever see the processor's references.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from cadence.kernel.money import Money


@dataclass(frozen=True)
class PaymentResult:
    """The processor's view of a payment (status: succeeded, failed, requires_action, pending)."""

    reference: str
    status: str
    fee: Money | None = None  # in the payment's currency
    # The fee as the processor charged it, when it settles in another currency than the payment's
    # (a EUR charge on a USD account), with the rate that turned one into the other.
    settlement_fee: Money | None = None
    exchange_rate: Decimal | None = None
    client_secret: str = ""
    failure_code: str = ""
    failure_message: str = ""


@dataclass(frozen=True)
class RefundResult:
    reference: str
    status: str  # succeeded, pending or failed
    failure_message: str = ""


# What a webhook event means, in commerce's words (each adapter maps its processor's types).
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"
PAYMENT_REQUIRES_ACTION = "payment.requires_action"
PAYMENT_CANCELLED = "payment.cancelled"
REFUND_UPDATED = "refund.updated"  # ``refund_status`` says where it stands
REFUND_FAILED = "refund.failed"
IGNORED = "ignored"


@dataclass(frozen=True)
class WebhookEvent:
    """A verified processor event, reduced to what commerce acts on.

    ``event_type`` is the processor's own name for it (kept in the processed-event log);
    ``kind`` is its meaning (``PAYMENT_SUCCEEDED``…). A success event that carries the actual fee
    brings it in ``payment_result``; without one the payment is read back from the processor.
    """

    event_id: str
    event_type: str
    kind: str = IGNORED
    payment_reference: str = ""
    payment_id: str = ""
    refund_reference: str = ""
    refund_id: str = ""
    refund_status: str = ""  # succeeded, pending or failed
    failure_code: str = ""
    failure_message: str = ""
    payment_result: PaymentResult | None = None


class PaymentProcessor(Protocol):
    """One processor's adapter. Besides the calls below, each adapter class declares:

    - ``name``: its key in settings, URLs and records (``stripe``); ``label``: what the buyer
      reads ("Card (Stripe)").
    - ``required_settings``: the settings that must all be set (its credentials) for checkout to
      offer it.
    - ``checkout_template``: the partial shown under its choice on the checkout page
      (``commerce/checkout/processors/<name>.html``), given ``processor`` and ``quote``.
    - ``checkout_csp``: the Content-Security-Policy sources its browser code needs on the
      checkout page while it is offered (``{"script-src": [...], "frame-src": [...]}``); empty
      when it loads nothing there.
    - ``pay_page``: the URL name of the page (taking ``payment_id``) the buyer goes on to after
      placing the order, when paying needs one (Stripe's Payment Element); empty when the
      checkout page itself settles the payment.
    - optionally ``pays_with_own_button = True``: the processor's own browser button places the
      order through the API (PayPal); the checkout form's Pay button then refuses it.
    """

    name: str
    label: str
    required_settings: tuple[str, ...]
    checkout_template: str
    checkout_csp: dict[str, list[str]]
    pay_page: str

    def checkout_context(self, *, currency: str) -> dict:
        """What its checkout partial needs (a public client id…); never a secret."""

    def create_payment(self, *, amount: Money, payment_id: str, order_id: str) -> PaymentResult:
        """Open a payment for ``amount``, idempotent on ``payment_id``."""

    def confirm_payment(self, *, reference: str, outcome: str = "") -> PaymentResult:
        """Confirm (or look up) a payment and report where it stands, with the fee if known."""

    def cancel_payment(self, *, reference: str) -> None:
        """Cancel a payment that has not been taken, so it can no longer succeed."""

    def refund(self, *, reference: str, amount: Money, refund_id: str) -> RefundResult:
        """Return ``amount`` of a payment, idempotent on ``refund_id``."""

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        """Verify and read a webhook delivery; raise ``WebhookRejected`` if it cannot be trusted."""

    def fee(self, amount: Money) -> Money:
        """The configured fee schedule, for when the processor does not report its actual fee."""
