"""The payment pages of processors whose browser step hands us a token: Square and Elavon.

Each page loads its processor's script (Square's Web Payments SDK, Converge's Lightbox), and its
Content-Security-Policy admits that processor's origins on that page only, and only while the
processor is enabled (the page is 404 otherwise). Card details go from the browser to the
processor; what comes back to us is a source token (Square) or a sale id (Converge), which
``services.payment_complete`` charges or verifies.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from cadence.kernel.money import Money
from commerce import selectors, services
from commerce.errors import CommerceError
from commerce.processors import enabled_processors
from commerce.processors.elavon import (
    ElavonProcessor,
    hosted_payment_page_url,
    hosted_payments_origin,
    lightbox_script_url,
)
from commerce.processors.square import square_script_origin
from commerce.views import _after_payment as after_payment


def square_csp() -> dict[str, list[str]]:
    """What the Web Payments SDK needs: its script and card frames from Square's CDN, calls to
    Square's PCI endpoint, 3-D Secure frames (Cardinal), and Google Pay's script and frames."""
    sandbox = settings.SQUARE_ENVIRONMENT != "production"
    connect = (
        "https://pci-connect.squareupsandbox.com" if sandbox else "https://pci-connect.squareup.com"
    )
    api = "https://connect.squareupsandbox.com" if sandbox else "https://connect.squareup.com"
    cdn = square_script_origin()
    return {
        "script-src": [cdn, "https://pay.google.com"],
        "frame-src": [
            cdn,
            "https://*.cardinalcommerce.com",
            "https://pay.google.com",
        ],
        "connect-src": [connect, api, "https://pay.google.com"],
    }


def elavon_csp() -> dict[str, list[str]]:
    """Converge's Lightbox: its script and its payment frame, from Converge's origin."""
    origin = hosted_payments_origin()
    return {"script-src": [origin], "frame-src": [origin], "connect-src": [origin]}


def _with_csp(csp_for):
    """Apply a processor's CSP additions, computed per request (the settings may change)."""

    def decorator(view):
        def wrapped(request, *args, **kwargs):
            additions = csp_for()
            return csp_update(additions)(view)(request, *args, **kwargs)

        return wrapped

    return decorator


def _payment(request, payment_id: str, processor: str):
    if processor not in {p.name for p in enabled_processors()}:
        raise Http404("this processor is not enabled")
    payment = (
        selectors.customer_payments(customer_id=request.user.public_id)
        .filter(public_id=payment_id, processor=processor)
        .select_related("order")
        .first()
    )
    if payment is None:
        raise Http404("no such payment")
    return payment


def _complete(request, payment_id: str, *, token: str, verification_token: str = ""):
    try:
        payment = services.payment_complete(
            payment_id=payment_id,
            customer_id=request.user.public_id,
            token=token,
            verification_token=verification_token,
        )
    except CommerceError as error:
        messages.error(request, error.message)
        return redirect("commerce:orders")
    return after_payment(request, payment)


@method_decorator(_with_csp(square_csp), name="get")
class SquarePayView(LoginRequiredMixin, View):
    """Square's card form (and Apple Pay / Google Pay buttons); posts the source token back."""

    def get(self, request, payment_id: str):
        payment = _payment(request, payment_id, "square")
        if payment.state != payment.State.PENDING:
            return redirect("commerce:order", order_id=payment.order.public_id)
        amount = Money(payment.amount_minor, payment.currency)
        return render(
            request,
            "commerce/square_pay.html",
            {
                "payment": payment,
                "script_url": f"{square_script_origin()}/v1/square.js",
                "square": {
                    "applicationId": settings.SQUARE_APPLICATION_ID,
                    "locationId": settings.SQUARE_LOCATION_ID,
                    "amount": str(amount.to_decimal()),
                    "currency": payment.currency,
                    "country": payment.order.billing_country or "US",
                },
            },
        )

    def post(self, request, payment_id: str):
        _payment(request, payment_id, "square")
        return _complete(
            request,
            payment_id,
            token=request.POST.get("token", ""),
            verification_token=request.POST.get("verification_token", ""),
        )


@method_decorator(_with_csp(elavon_csp), name="get")
class ElavonPayView(LoginRequiredMixin, View):
    """Converge's Lightbox, or its Hosted Payment Page; either gives back the sale's id."""

    def get(self, request, payment_id: str):
        payment = _payment(request, payment_id, "elavon")
        if payment.state != payment.State.PENDING:
            return redirect("commerce:order", order_id=payment.order.public_id)
        return_url = request.build_absolute_uri(
            reverse("commerce:elavon-return", kwargs={"payment_id": payment_id})
        )
        try:
            # A session token lasts 15 minutes: each visit of the page gets a fresh one.
            token = ElavonProcessor().session_token(
                amount=Money(payment.amount_minor, payment.currency),
                payment_id=payment.public_id,
                return_url=return_url,
            )
        except CommerceError as error:
            messages.error(request, error.message)
            return redirect("commerce:order", order_id=payment.order.public_id)
        return render(
            request,
            "commerce/elavon_pay.html",
            {
                "payment": payment,
                "script_url": lightbox_script_url(),
                "token": token,
                "hosted_page_url": hosted_payment_page_url(token),
            },
        )

    def post(self, request, payment_id: str):
        _payment(request, payment_id, "elavon")
        return _complete(request, payment_id, token=request.POST.get("ssl_txn_id", ""))


class ElavonReturnView(LoginRequiredMixin, View):
    """Back from the Hosted Payment Page with the sale's id, which we check with Converge."""

    def get(self, request, payment_id: str):
        _payment(request, payment_id, "elavon")
        return _complete(request, payment_id, token=request.GET.get("ssl_txn_id", ""))
