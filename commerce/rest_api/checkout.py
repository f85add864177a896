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
from commerce.rest_api.fields import MoneyStringField
from commerce.rest_api.payments import PaymentOutput


class AddressInput(serializers.Serializer):
    billingCountry = serializers.CharField(max_length=2)
    billingRegion = serializers.CharField(max_length=10, required=False, allow_blank=True)
    couponCode = serializers.CharField(max_length=40, required=False, allow_blank=True)


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

    With Stripe, confirm ``clientSecret`` in the browser with the Payment Element; with the test
    processor, confirm with an outcome at ``/api/v1/checkout/payments/{paymentId}/confirm/``.
    """

    InputSerializer = AddressInput
    # The processor unreachable (commerce.errors.ProcessorUnavailable), besides the API's own.
    error_statuses = (502,)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CheckoutStartOutput"

        orderId = serializers.CharField(source="order.public_id")
        orderState = serializers.CharField(source="order.state")
        payment = PaymentOutput()
        clientSecret = serializers.CharField(source="client_secret")

    @extend_schema(
        request=AddressInput,
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
        )
        return Response(self.OutputSerializer(started).data, status=status.HTTP_201_CREATED)


class PaymentConfirmApi(APIView):
    """Confirm a payment: pick the test processor's outcome, or read a Stripe payment back."""

    # The processor unreachable (commerce.errors.ProcessorUnavailable), besides the API's own.
    error_statuses = (502,)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentConfirmInput"

        outcome = serializers.CharField(required=False, allow_blank=True, default="")

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
