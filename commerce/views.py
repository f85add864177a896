"""Commerce's pages. Each view parses input, calls one service or selector, renders."""

from __future__ import annotations

import time

from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from cadence.kernel.money import Money
from commerce import places, sales_page, selectors, services
from commerce.errors import CommerceError, ProcessorUnavailable, WebhookRejected
from commerce.forms import AuthenticationForm, CatalogFilterForm, CheckoutForm, RefundRequestForm
from commerce.models import Payment
from commerce.owners import cart_owner
from commerce.processors import ADAPTERS, enabled_processors, processor_named
from commerce.receipts import receipt_pdf
from commerce.services.webhooks import processor_webhook_receive


def _minor(value: Money | None) -> int | None:
    return None if value is None else value.minor


class CatalogView(View):
    def get(self, request):
        form = CatalogFilterForm(request.GET or None)
        valid = form.is_valid() or not form.is_bound
        filters = form.cleaned_data if form.is_bound and valid else {}
        items = selectors.catalog_items(
            search=filters.get("q") or "",
            creator_id=filters.get("creator") or "",
            min_price_minor=_minor(filters.get("min_price")),
            max_price_minor=_minor(filters.get("max_price")),
        )
        creators = selectors.catalog_creators()
        names = dict(creators)
        rows = [
            {
                "item": item,
                "price": selectors.current_price(item),
                "list": selectors.list_price(item),
                "creator": names.get(item.course.content_creator_id, ""),
            }
            for item in items
        ]
        return render(
            request,
            "commerce/catalog.html",
            {"form": form, "rows": rows, "creators": creators},
            status=200 if valid else 400,
        )


class CourseView(View):
    def get(self, request, course_id: str):
        item = selectors.catalog_item_for_course(course_id=course_id)
        if item is None:
            raise Http404("no such course for sale")
        customer_id, _ = cart_owner(request)
        held = bool(customer_id) and selectors.customer_holds_course(
            customer_id=customer_id, course_id=course_id
        )
        price = selectors.current_price(item)
        url = request.build_absolute_uri(request.path)
        image = item.course.thumbnail
        image_url = request.build_absolute_uri(image) if image else ""
        people = sales_page.people(item)
        return render(
            request,
            "commerce/course.html",
            {
                "item": item,
                "price": price,
                "list": selectors.list_price(item),
                "held": held,
                "curriculum": sales_page.curriculum(item),
                "people": people,
                "page_url": url,
                "image_url": image_url,
                "json_ld": sales_page.course_json_ld(
                    item=item, url=url, image_url=image_url, price=price, people=people
                ),
            },
        )


class CartView(View):
    def get(self, request):
        customer_id, token = cart_owner(request)
        cart = selectors.cart_view(customer_id=customer_id, session_key=token)
        return render(request, "commerce/cart.html", {"cart": cart})


def sentence(text: str) -> str:
    """A service's message ("you already have this course") as a sentence for a page."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


class CartAddView(View):
    def post(self, request):
        customer_id, token = cart_owner(request, create=True)
        catalog_item_id = request.POST.get("catalog_item_id", "")
        already = selectors.cart_holds_item(
            customer_id=customer_id, session_key=token, catalog_item_id=catalog_item_id
        )
        try:
            services.cart_item_add(
                customer_id=customer_id, session_key=token, catalog_item_id=catalog_item_id
            )
        except CommerceError as error:
            messages.error(request, sentence(error.message))
        else:
            if already:
                messages.info(request, "This course is already in your cart.")
            else:
                messages.success(request, "Added to your cart.")
        return redirect("commerce:cart")


class CartRemoveView(View):
    def post(self, request):
        customer_id, token = cart_owner(request)
        try:
            services.cart_item_remove(
                customer_id=customer_id,
                session_key=token,
                catalog_item_id=request.POST.get("catalog_item_id", ""),
            )
        except CommerceError as error:
            messages.error(request, sentence(error.message))
        else:
            messages.success(request, "Removed from your cart.")
        return redirect("commerce:cart")


class CheckoutView(LoginRequiredMixin, View):
    """Billing address and coupon, a live quote, and the payment step of the processor."""

    def get(self, request):
        entered = request.session.get(CHECKOUT_ENTERED) or {"billing_country": "US"}
        return self._page(request, CheckoutForm(initial=entered, regional=_regional()))

    def post(self, request):
        form = CheckoutForm(request.POST, regional=_regional())
        if not form.is_valid():
            return self._page(request, form)
        if request.POST.get("action") == "apply":
            return self._page(request, form)
        data = form.cleaned_data
        # Kept for the next visit: a failed payment brings the learner back to the same
        # address and coupon.
        request.session[CHECKOUT_ENTERED] = {
            key: data[key] for key in ("billing_country", "billing_region", "coupon_code")
        }
        own_button = _pays_with_its_own_button(data["processor"])
        if own_button:
            error = CommerceError(
                f"{own_button} pays with its own button above, which needs JavaScript; "
                "or choose another way to pay",
                field="processor",
            )
            return self._page(request, form, error=error)
        try:
            started = services.checkout_start(
                customer_id=request.user.public_id,
                billing_country=data["billing_country"],
                billing_region=data["billing_region"],
                coupon_code=data["coupon_code"],
                processor_name=data["processor"],
            )
        except CommerceError as error:
            return self._page(request, form, error=error)
        payment = started.payment
        # A free order has no processor; the others may need a page of their own to pay on.
        known = payment.processor in ADAPTERS
        pay_page = processor_named(payment.processor).pay_page if known else ""
        if payment.state == Payment.State.PENDING and pay_page:
            return redirect(pay_page, payment_id=payment.public_id)
        if payment.state == Payment.State.PENDING:
            try:
                payment = services.payment_confirm(
                    payment_id=payment.public_id,
                    customer_id=request.user.public_id,
                    outcome=data["outcome"] or "succeeds",
                )
            except CommerceError as error:
                return self._page(request, form, error=error)
        return _after_payment(request, payment)

    def _page(self, request, form, *, error: CommerceError | None = None):
        quote = None
        if error is None and form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                quote = services.checkout_quote(
                    customer_id=request.user.public_id,
                    billing_country=data["billing_country"],
                    billing_region=data["billing_region"],
                    coupon_code=data["coupon_code"],
                )
            except CommerceError as refused:
                error = refused
        if quote is None and (error is None or error.field != "cart"):
            try:
                quote = services.checkout_quote(
                    customer_id=request.user.public_id, billing_country="US"
                )
            except CommerceError as refused:
                error = error or refused
        processors = enabled_processors()
        chosen = (form.data.get("processor") if form.is_bound else "") or (
            processors[0].name if processors else ""
        )
        empty = error is not None and error.field == "cart"
        just_paid = _just_paid_order(request)
        if empty and just_paid:
            # Back (or a second click) after paying: show what was bought, never a Pay button.
            messages.info(request, "Your payment went through: here is your order.")
            return redirect("commerce:order", order_id=just_paid)
        response = render(
            request,
            "commerce/checkout.html",
            {
                "form": form,
                "quote": quote,
                "error": error,
                "processors": [
                    {
                        "adapter": processor,
                        "chosen": processor.name == chosen,
                        **processor.checkout_context(currency=quote.currency if quote else "USD"),
                    }
                    for processor in processors
                ],
                "empty": empty,
            },
            status=400
            if form.errors or (error and not (empty and request.method == "GET"))
            else 200,
        )
        return with_processor_csp(response, processors)


def _pays_with_its_own_button(name: str) -> str:
    """The label of a processor whose own browser button places the order (PayPal), if the
    checkout form was posted for one: the form's Pay button cannot pay with it."""
    if name not in ADAPTERS:
        return ""
    adapter = processor_named(name)
    return adapter.label if getattr(adapter, "pays_with_own_button", False) else ""


def with_processor_csp(response, processors):
    """Widen the page's Content-Security-Policy by what the offered processors' browser code
    needs on it (PayPal's buttons); a processor not offered adds nothing. Frames are replaced,
    not added to, since the site's policy allows none."""
    update: dict[str, list[str]] = {}
    frames: list[str] = []
    for processor in processors:
        for directive, sources in processor.checkout_csp.items():
            target = frames if directive == "frame-src" else update.setdefault(directive, [])
            target.extend(source for source in sources if source not in target)
    if update:
        response._csp_update = update
    if frames:
        response._csp_replace = {"frame-src": frames}
    return response


CHECKOUT_ENTERED = "commerce:checkout-entered"
LAST_PAID_ORDER = "commerce:last-paid-order"


JUST_PAID_SECONDS = 60 * 60


def _just_paid_order(request) -> str | None:
    paid = request.session.get(LAST_PAID_ORDER) or {}
    if paid and time.time() - paid.get("at", 0) < JUST_PAID_SECONDS:
        return paid.get("order")
    return None


def _regional() -> set[str]:
    return places.countries_needing_region()


def _after_payment(request, payment: Payment):
    if payment.state == Payment.State.REQUIRES_ACTION:
        return redirect("commerce:authenticate", payment_id=payment.public_id)
    if payment.state == Payment.State.FAILED:
        messages.error(
            request,
            format_html(
                'Payment failed: {} Nothing was charged. <a href="{}">Try again</a>',
                payment.failure_message,
                reverse("commerce:checkout"),
            ),
        )
    elif payment.state == Payment.State.SUCCEEDED:
        request.session[LAST_PAID_ORDER] = {"order": payment.order.public_id, "at": time.time()}
    return redirect("commerce:order", order_id=payment.order.public_id)


class AuthenticateView(LoginRequiredMixin, View):
    """The test processor's stand-in for a bank's 3-D Secure page."""

    def get(self, request, payment_id: str):
        return render(request, "commerce/authenticate.html", {"payment_id": payment_id})

    def post(self, request, payment_id: str):
        form = AuthenticationForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest("choose an outcome")
        try:
            payment = services.payment_confirm(
                payment_id=payment_id,
                customer_id=request.user.public_id,
                outcome=form.cleaned_data["outcome"],
            )
        except CommerceError as error:
            messages.error(request, error.message)
            return redirect("commerce:orders")
        return _after_payment(request, payment)


# What Stripe's Payment Element needs on top of the site's Content-Security-Policy: Stripe.js,
# its frames (card fields, 3-D Secure) and its API, on the payment page only.
STRIPE_SCRIPTS = ["https://js.stripe.com", "https://*.js.stripe.com"]
STRIPE_FRAMES = [*STRIPE_SCRIPTS, "https://hooks.stripe.com"]


@method_decorator(
    csp_update(
        {
            "script-src": STRIPE_SCRIPTS,
            "connect-src": ["https://api.stripe.com"],
            "img-src": ["https://*.stripe.com"],
        }
    ),
    name="get",
)
@method_decorator(csp_replace({"frame-src": STRIPE_FRAMES}), name="get")
class StripePayView(LoginRequiredMixin, View):
    """Stripe's Payment Element: card details go from the browser to Stripe, never to us."""

    def get(self, request, payment_id: str):
        payment = (
            selectors.customer_payments(customer_id=request.user.public_id)
            .filter(public_id=payment_id, processor="stripe")
            .first()
        )
        if payment is None:
            raise Http404("no such payment")
        result = processor_named("stripe").confirm_payment(reference=payment.processor_reference)
        return render(
            request,
            "commerce/stripe_pay.html",
            {
                "payment": payment,
                "client_secret": result.client_secret,
                "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                "return_url": request.build_absolute_uri(
                    reverse("commerce:stripe-return", kwargs={"payment_id": payment_id})
                ),
            },
        )


class StripeReturnView(LoginRequiredMixin, View):
    def get(self, request, payment_id: str):
        try:
            payment = services.payment_confirm(
                payment_id=payment_id, customer_id=request.user.public_id
            )
        except CommerceError as error:
            messages.error(request, error.message)
            return redirect("commerce:orders")
        return _after_payment(request, payment)


class OrderListView(LoginRequiredMixin, View):
    def get(self, request):
        orders = selectors.customer_orders(customer_id=request.user.public_id)
        return render(request, "commerce/orders.html", {"orders": orders})


class OrderView(LoginRequiredMixin, View):
    """Order confirmation and receipt."""

    def get(self, request, order_id: str):
        order = selectors.customer_order(customer_id=request.user.public_id, order_id=order_id)
        if order is None:
            raise Http404("no such order")
        return render(request, "commerce/order.html", {"order": order})


class ReceiptPdfView(LoginRequiredMixin, View):
    """The receipt of a paid (or since refunded) order, as a PDF to keep."""

    def get(self, request, order_id: str):
        order = selectors.customer_order(customer_id=request.user.public_id, order_id=order_id)
        if order is None or order.paid_at is None:
            raise Http404("no receipt for this order")
        response = HttpResponse(receipt_pdf(order), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{order.public_id}.pdf"'
        return response


class OrderCancelView(LoginRequiredMixin, View):
    def post(self, request, order_id: str):
        try:
            services.order_cancel(order_id=order_id, customer_id=request.user.public_id)
        except CommerceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Order cancelled. Nothing was charged.")
        return redirect("commerce:order", order_id=order_id)


class RefundRequestView(LoginRequiredMixin, View):
    def get(self, request, order_item_id: str):
        item = self._item(request, order_item_id)
        return render(request, "commerce/refund.html", {"item": item, "form": RefundRequestForm()})

    def post(self, request, order_item_id: str):
        item = self._item(request, order_item_id)
        form = RefundRequestForm(request.POST)
        if not form.is_valid():
            return render(request, "commerce/refund.html", {"item": item, "form": form}, status=400)
        try:
            refund = services.refund_request(
                customer_id=request.user.public_id,
                order_item_id=order_item_id,
                reason=form.reason_text(),
            )
        except CommerceError as error:
            return render(
                request,
                "commerce/refund.html",
                {"item": item, "form": form, "error": error},
                status=400,
            )
        if refund.state == "succeeded":
            messages.success(request, f"Refunded {Money(refund.amount_minor, refund.currency)}.")
        else:
            messages.warning(request, "Your refund is on its way.")
        return redirect("commerce:order", order_id=item.order.public_id)

    def _item(self, request, order_item_id: str):
        item = selectors.customer_order_item(
            customer_id=request.user.public_id, order_item_id=order_item_id
        )
        if item is None:
            raise Http404("no such order item")
        return item


@method_decorator(csrf_exempt, name="dispatch")
class ProcessorWebhookView(View):
    """A processor's signed event deliveries (``/api/v1/payments/webhooks/<processor>/``).

    400 for anything we cannot verify, 503 when the processor could not be asked what we need
    (it delivers again), 200 once handled.
    """

    def post(self, request, processor: str):
        if processor not in ADAPTERS:
            raise Http404("no such payment processor")
        try:
            outcome = processor_webhook_receive(
                processor_name=processor, body=request.body, headers=dict(request.headers)
            )
        except WebhookRejected as error:
            return JsonResponse({"error": error.as_dict()}, status=400)
        except ProcessorUnavailable as error:
            # The processor retries a delivery we could not finish; nothing was recorded for it.
            return JsonResponse({"error": error.as_dict()}, status=503)
        return JsonResponse({"received": True, "outcome": outcome})


class ApplePayDomainAssociationView(View):
    """Apple Pay's proof that this domain belongs to the merchant: the file Stripe or Square give
    when the domain is registered with them, served as configured (404 while it is not)."""

    def get(self, request):
        content = settings.APPLE_PAY_DOMAIN_ASSOCIATION
        if not content:
            raise Http404("Apple Pay is not set up for this domain")
        return HttpResponse(content, content_type="text/plain")
