from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.idempotency.decorators import (
    IDEMPOTENCY_KEY_PARAMETER,
    idempotency_responses,
    idempotent,
)
from commerce import services
from commerce.processors import enabled_processors
from commerce.rest_api.fields import MoneyStringField
from commerce.rest_api.payments import PaymentOutput


class AddressInput(serializers.Serializer):
    billingCountry = serializers.CharField(max_length=2)
    billingRegion = serializers.CharField(max_length=10, required=False, allow_blank=True)
    couponCode = serializers.CharField(max_length=40, required=False, allow_blank=True)


class CheckoutStartInput(AddressInput):
    processor = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="One of the processors /api/v1/checkout/processors/ lists; the first if empty.",
    )


class ProcessorListApi(APIView):
    """The payment processors checkout offers, in the order the buyer should see them."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProcessorOutput"

        name = serializers.CharField()
        label = serializers.CharField()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return Response(self.OutputSerializer(enabled_processors(), many=True).data)


class CheckoutQuoteApi(APIView):
    """What paying for the cart now would cost (coupon, tax per item); writes nothing."""

    InputSerializer = AddressInput

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CheckoutQuoteOutput"

        class LineOutput(serializers.Serializer):
            class Meta:
                ref_name = "CheckoutQuoteLine"

            title = serializers.CharField()
            price = MoneyStringField()
            discount = MoneyStringField()
            tax = MoneyStringField()
            total = MoneyStringField()

        currency = serializers.CharField()
        items = LineOutput(source="lines", many=True)
        subtotal = MoneyStringField()
        discount = MoneyStringField()
        tax = MoneyStringField()
        total = MoneyStringField()
        couponCode = serializers.CharField(source="coupon_code")

    @extend_schema(request=AddressInput, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = services.checkout_quote(
            customer_id=request.user.public_id,
            billing_country=data.validated_data["billingCountry"],
            billing_region=data.validated_data.get("billingRegion", ""),
            coupon_code=data.validated_data.get("couponCode", ""),
        )
        return Response(self.OutputSerializer(quote).data)


class CheckoutStartApi(APIView):
    """Place the order for the cart and open its payment with the configured processor.

    ``processor`` picks one of the processors offered. With Stripe, confirm ``clientSecret`` in
    the browser with the Payment Element; with PayPal, hand ``processorReference`` (the PayPal
    order) to PayPal's buttons and, once the buyer approves, capture it at
    ``/api/v1/checkout/payments/{paymentId}/confirm/``; with the test processor, confirm there
    with an outcome. With Square, tokenize the card (or wallet) with the Web Payments SDK; with
    Elavon, open Converge's Lightbox with ``clientSecret`` (its session token); then post the
    token or Converge's ``ssl_txn_id`` to ``/api/v1/checkout/payments/{paymentId}/complete/``.
    """

    InputSerializer = CheckoutStartInput
    # The processor unreachable (commerce.errors.ProcessorUnavailable), besides the API's own.
    error_statuses = (502,)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CheckoutStartOutput"

        orderId = serializers.CharField(source="order.public_id")
        orderState = serializers.CharField(source="order.state")
        payment = PaymentOutput()
        clientSecret = serializers.CharField(source="client_secret")
        processorReference = serializers.CharField(source="payment.processor_reference")

    @extend_schema(
        request=CheckoutStartInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OutputSerializer, **idempotency_responses()},
    )
    @idempotent("commerce.checkout_start")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        started = services.checkout_start(
            customer_id=request.user.public_id,
            billing_country=data.validated_data["billingCountry"],
            billing_region=data.validated_data.get("billingRegion", ""),
            coupon_code=data.validated_data.get("couponCode", ""),
            processor_name=data.validated_data.get("processor", ""),
        )
        return Response(self.OutputSerializer(started).data, status=status.HTTP_201_CREATED)


class PaymentConfirmApi(APIView):
    """Confirm a payment: pick the test processor's outcome, read a Stripe payment back, or
    capture a PayPal order the buyer approved."""

    # The processor unreachable (commerce.errors.ProcessorUnavailable), besides the API's own.
    error_statuses = (502,)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentConfirmInput"

        outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: PaymentOutput, **idempotency_responses()},
    )
    @idempotent("commerce.payment_confirm")
    def post(self, request, payment_id: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_confirm(
            payment_id=payment_id,
            customer_id=request.user.public_id,
            outcome=data.validated_data["outcome"],
        )
        return Response(PaymentOutput(payment).data)


class PaymentCompleteApi(APIView):
    """Complete a payment with what the processor's browser script handed back: Square's source
    token (charged now, with ``verificationToken`` from 3-D Secure if any) or the id of the sale
    Converge made (checked with Converge: a sale that is not this payment's is a 400)."""

    # The processor unreachable (commerce.errors.ProcessorUnavailable), besides the API's own.
    error_statuses = (502,)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentCompleteInput"

        token = serializers.CharField(max_length=500)
        verificationToken = serializers.CharField(
            max_length=500, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: PaymentOutput, **idempotency_responses()},
    )
    @idempotent("commerce.payment_complete")
    def post(self, request, payment_id: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_complete(
            payment_id=payment_id,
            customer_id=request.user.public_id,
            token=data.validated_data["token"],
            verification_token=data.validated_data["verificationToken"],
        )
        return Response(PaymentOutput(payment).data)
