from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.api import datetime_string
from cadence.idempotency.decorators import (
    IDEMPOTENCY_KEY_PARAMETER,
    idempotency_responses,
    idempotent,
)
from cadence.kernel.money import Money
from cadence.pagination import BoundedLimitOffsetPagination
from cadence.permissions import holds
from commerce import selectors, services
from commerce.errors import CommerceNotFound
from commerce.rest_api.fields import AmountInputField, MinorAmountField, amount_string


class OrderItemOutput(serializers.Serializer):
    orderItemId = serializers.CharField(source="public_id")
    courseId = serializers.CharField(source="course_id")
    title = serializers.CharField(source="course_title")
    contentCreatorId = serializers.CharField(source="content_creator_id")
    price = MinorAmountField(source="price_minor", currency_attr="order.currency")
    discount = MinorAmountField(source="discount_minor", currency_attr="order.currency")
    tax = MinorAmountField(source="tax_minor", currency_attr="order.currency")
    total = MinorAmountField(source="total_minor", currency_attr="order.currency")
    refunded = MinorAmountField(source="refunded_minor", currency_attr="order.currency")
    fulfilment = serializers.CharField()
    fulfilmentNote = serializers.CharField(source="fulfilment_note")
    enrollmentStatus = serializers.CharField(source="enrollment_status")


class OrderOutput(serializers.Serializer):
    orderId = serializers.CharField(source="public_id")
    status = serializers.CharField(source="state")
    currency = serializers.CharField()
    subtotal = MinorAmountField(source="subtotal_minor")
    discount = MinorAmountField(source="discount_minor")
    tax = MinorAmountField(source="tax_minor")
    total = MinorAmountField(source="total_minor")
    couponCode = serializers.CharField(source="coupon_code")
    billingCountry = serializers.CharField(source="billing_country")
    billingRegion = serializers.CharField(source="billing_region")
    failureReason = serializers.CharField(source="failure_reason")
    createdAt = serializers.DateTimeField(source="created_at")
    paidAt = serializers.DateTimeField(source="paid_at", allow_null=True)
    items = OrderItemOutput(many=True)


class OrderListApi(APIView):
    """The caller's own orders, newest first, with their items."""

    OutputSerializer = OrderOutput
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(responses=OrderOutput(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        orders = selectors.customer_orders(customer_id=request.user.public_id)
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


# The columns OrderOutput and OrderItemOutput show, read as values (no model instances).
ORDER_OUTPUT_FIELDS = (
    "public_id",
    "state",
    "currency",
    "subtotal_minor",
    "discount_minor",
    "tax_minor",
    "total_minor",
    "coupon_code",
    "billing_country",
    "billing_region",
    "failure_reason",
    "created_at",
    "paid_at",
)
ORDER_ITEM_OUTPUT_FIELDS = (
    "public_id",
    "course_id",
    "course_title",
    "content_creator_id",
    "price_minor",
    "discount_minor",
    "tax_minor",
    "total_minor",
    "refunded_minor",
    "fulfilment",
    "fulfilment_note",
    "enrollment_status",
)


def order_body(order: dict, items: list[dict]) -> dict:
    """``OrderOutput`` of an order and its items read as values
    (``selectors.customer_order_values`` with the fields above), written out directly: the same
    keys, order and strings, without a serializer's cost per field (the tests compare the two)."""
    currency = order["currency"]
    return {
        "orderId": order["public_id"],
        "status": order["state"],
        "currency": currency,
        "subtotal": amount_string(order["subtotal_minor"], currency),
        "discount": amount_string(order["discount_minor"], currency),
        "tax": amount_string(order["tax_minor"], currency),
        "total": amount_string(order["total_minor"], currency),
        "couponCode": order["coupon_code"],
        "billingCountry": order["billing_country"],
        "billingRegion": order["billing_region"],
        "failureReason": order["failure_reason"],
        "createdAt": datetime_string(order["created_at"]),
        "paidAt": datetime_string(order["paid_at"]),
        "items": [
            {
                "orderItemId": item["public_id"],
                "courseId": item["course_id"],
                "title": item["course_title"],
                "contentCreatorId": item["content_creator_id"],
                "price": amount_string(item["price_minor"], currency),
                "discount": amount_string(item["discount_minor"], currency),
                "tax": amount_string(item["tax_minor"], currency),
                "total": amount_string(item["total_minor"], currency),
                "refunded": amount_string(item["refunded_minor"], currency),
                "fulfilment": item["fulfilment"],
                "fulfilmentNote": item["fulfilment_note"],
                "enrollmentStatus": item["enrollment_status"],
            }
            for item in items
        ],
    }


def _own_order_body(request, order_id: str) -> dict:
    found = selectors.customer_order_values(
        customer_id=request.user.public_id,
        order_id=order_id,
        order_fields=ORDER_OUTPUT_FIELDS,
        item_fields=ORDER_ITEM_OUTPUT_FIELDS,
    )
    if found is None:
        raise CommerceNotFound(f"no order '{order_id}'", field="orderId")
    return order_body(*found)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderOutput)
    def get(self, request, order_id: str):
        return Response(_own_order_body(request, order_id))


class OrderCancelApi(APIView):
    """Abandon one of the caller's pending orders."""

    error_statuses = (502,)  # the processor unreachable (commerce.errors.ProcessorUnavailable)

    @extend_schema(request=None, responses=OrderOutput)
    def post(self, request, order_id: str):
        services.order_cancel(order_id=order_id, customer_id=request.user.public_id)
        return Response(_own_order_body(request, order_id))


class RefundOutput(serializers.Serializer):
    refundId = serializers.CharField(source="public_id")
    orderItemId = serializers.CharField(source="order_item.public_id")
    amount = MinorAmountField(source="amount_minor")
    tax = MinorAmountField(source="tax_minor")
    currency = serializers.CharField()
    status = serializers.CharField(source="state")
    origin = serializers.CharField()
    reason = serializers.CharField()


class RefundRequestApi(APIView):
    """The learner asks for their money back for one item, inside its refund window."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RefundRequestInput"

        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: RefundOutput, **idempotency_responses()},
    )
    @idempotent("commerce.refund_request")
    def post(self, request, order_item_id: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_request(
            customer_id=request.user.public_id,
            order_item_id=order_item_id,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)


class RefundIssueApi(APIView):
    """Staff who may issue refunds refund all or part of an order item (``amount`` as a decimal
    string or number)."""

    permission_classes = [holds("commerce.add_refund")]
    error_statuses = (502,)  # the processor unreachable (commerce.errors.ProcessorUnavailable)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RefundIssueInput"

        orderItemId = serializers.CharField(max_length=64)
        amount = AmountInputField(required=False)
        currency = serializers.CharField(required=False, default="USD")
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: RefundOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        amount = values.get("amount")
        refund = services.refund_issue(
            order_item_id=values["orderItemId"],
            amount=None
            if amount in (None, "")
            else Money.parse(amount, values["currency"], field="amount"),
            reason=values.get("reason", ""),
            requested_by=request.user.public_id,
        )
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)
