from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.idempotency.decorators import (
    IDEMPOTENCY_KEY_PARAMETER,
    idempotency_responses,
    idempotent,
)
from commerce import selectors, services
from commerce.owners import cart_owner
from commerce.rest_api.fields import MoneyStringField


class CartOutput(serializers.Serializer):
    class LineOutput(serializers.Serializer):
        class Meta:
            ref_name = "CartLine"

        catalogItemId = serializers.CharField(source="catalog_item_id")
        courseId = serializers.CharField(source="course_id")
        title = serializers.CharField()
        price = MoneyStringField(allow_null=True)

    cartId = serializers.CharField(source="cart_id", allow_null=True)
    currency = serializers.CharField()
    items = LineOutput(source="lines", many=True)
    subtotal = MoneyStringField()


def _cart(request):
    customer_id, token = cart_owner(request)
    return CartOutput(selectors.cart_view(customer_id=customer_id, session_key=token)).data


class CartApi(APIView):
    """The caller's own cart (a signed-in learner's, or this session's)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=CartOutput)
    def get(self, request):
        return Response(_cart(request))


class CartCurrencySetApi(APIView):
    """Choose the currency the cart is priced and paid in (ISO 4217, e.g. EUR)."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CartCurrencySetInput"

        currency = serializers.CharField(max_length=3)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: CartOutput, **idempotency_responses()},
    )
    @idempotent("commerce.cart_currency_set")
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer_id, token = cart_owner(request, create=True)
        services.cart_currency_set(
            customer_id=customer_id, session_key=token, currency=data.validated_data["currency"]
        )
        return Response(_cart(request))


class CartItemAddApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CartItemAddInput"

        catalogItemId = serializers.CharField(max_length=64)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: CartOutput, **idempotency_responses()},
    )
    @idempotent("commerce.cart_item_add")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer_id, token = cart_owner(request, create=True)
        services.cart_item_add(
            customer_id=customer_id,
            session_key=token,
            catalog_item_id=data.validated_data["catalogItemId"],
        )
        return Response(_cart(request), status=status.HTTP_201_CREATED)


class CartItemRemoveApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: CartOutput, **idempotency_responses()},
    )
    @idempotent("commerce.cart_item_remove")
    def delete(self, request, catalog_item_id: str):
        customer_id, token = cart_owner(request)
        services.cart_item_remove(
            customer_id=customer_id, session_key=token, catalog_item_id=catalog_item_id
        )
        return Response(_cart(request))
