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
from cadence.kernel.money import Money
from cadence.pagination import BoundedLimitOffsetPagination
from cadence.permissions import holds
from commerce import selectors, services
from commerce.errors import CommerceNotFound
from commerce.models import Order
from commerce.rest_api.fields import AmountInputField, MinorAmountField


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


class OrderWithItemsOutput(OrderOutput):
    """``OrderOutput`` of an order read with its items (``selectors.customer_order_with_items``);
    the API docs show it as ``OrderOutput``, which it is."""

    items = OrderItemOutput(many=True, source="item_list")


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


def _own_order(request, order_id: str) -> Order:
    order = selectors.customer_order_with_items(
        customer_id=request.user.public_id, order_id=order_id
    )
    if order is None:
        raise CommerceNotFound(f"no order '{order_id}'", field="orderId")
    return order


class OrderDetailApi(APIView):
    OutputSerializer = OrderWithItemsOutput

    @extend_schema(responses=OrderOutput)
    def get(self, request, order_id: str):
        return Response(self.OutputSerializer(_own_order(request, order_id)).data)


class OrderCancelApi(APIView):
    """Abandon one of the caller's pending orders."""

    error_statuses = (502,)  # the processor unreachable (commerce.errors.ProcessorUnavailable)

    @extend_schema(request=None, responses=OrderOutput)
    def post(self, request, order_id: str):
        services.order_cancel(order_id=order_id, customer_id=request.user.public_id)
        return Response(OrderWithItemsOutput(_own_order(request, order_id)).data)


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

        orderItemId = serializers.CharField()
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
