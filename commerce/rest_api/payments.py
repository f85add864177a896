from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.pagination import BoundedLimitOffsetPagination
from commerce import selectors
from commerce.errors import CommerceNotFound
from commerce.rest_api.fields import MinorAmountField


class PaymentOutput(serializers.Serializer):
    paymentId = serializers.CharField(source="public_id")
    orderId = serializers.CharField(source="order.public_id")
    processor = serializers.CharField()
    status = serializers.CharField(source="state")
    amount = MinorAmountField(source="amount_minor")
    processorFee = MinorAmountField(source="fee_minor", allow_null=True)
    currency = serializers.CharField()
    failureCode = serializers.CharField(source="failure_code")
    failureMessage = serializers.CharField(source="failure_message")
    createdAt = serializers.DateTimeField(source="created_at")
    succeededAt = serializers.DateTimeField(source="succeeded_at", allow_null=True)


class PaymentListApi(APIView):
    """The caller's own payments, newest first."""

    OutputSerializer = PaymentOutput
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(responses=PaymentOutput(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        payments = selectors.customer_payments(customer_id=request.user.public_id)
        page = paginator.paginate_queryset(payments, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class PaymentDetailApi(APIView):
    OutputSerializer = PaymentOutput

    @extend_schema(responses=PaymentOutput)
    def get(self, request, payment_id: str):
        payment = (
            selectors.customer_payments(customer_id=request.user.public_id)
            .filter(public_id=payment_id)
            .first()
        )
        if payment is None:
            raise CommerceNotFound(f"no payment '{payment_id}'", field="paymentId")
        return Response(self.OutputSerializer(payment).data)
