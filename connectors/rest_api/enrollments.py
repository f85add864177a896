"""The spec's connector endpoints about enrollments (Connectors 1 and 2, over HTTP)."""

from __future__ import annotations

from rest_framework import serializers

from cadence.kernel.money import Money
from commerce import api as commerce_api
from connectors.errors import ConnectorError
from connectors.rest_api.fields import (
    MajorAmountField,
    SpecBodySerializer,
    api_call,
    money_from,
    public_id,
)
from connectors.rest_api.idempotency import (
    SpecEndpointView,
    enrollment_event_key,
    enrollment_named,
    order_item_key,
    own_records_only,
    sale_named,
)
from connectors.rest_api.schema import spec_endpoint_schema
from lms import api as lms_api
from lms.data import PendingEnrollmentRequest, PurchaseMetadata

# The inbound-request records of Connector 1 over HTTP: enrollments an outside system sold.
ENROLLMENT_REQUEST_ENDPOINT = "enrollment-request"

# The LMS's names for the request's fields → where the caller wrote them.
ENROLLMENT_REQUEST_FIELDS = {
    "externalOrderId": "payload.orderId",
    "externalOrderItemId": "payload.orderItemId",
    "metadata.amount": "payload.purchaseMetadata.amount",
    "metadata.currency": "payload.purchaseMetadata.currency",
    "metadata.purchaseDate": "payload.purchaseMetadata.purchaseDate",
}


class EnrollmentRequestView(SpecEndpointView):
    """Connector 1: an outside commerce system asks for the enrollment a paid order item bought.

    Always answers ``pending`` (auto-approval, if asked for and allowed, runs afterwards). The
    same orderId + orderItemId again gets the same answer and creates nothing more.
    """

    endpoint = ENROLLMENT_REQUEST_ENDPOINT

    class InputSerializer(SpecBodySerializer):
        class Meta:
            ref_name = "EnrollmentRequestInput"

        class PayloadSerializer(serializers.Serializer):
            class Meta:
                ref_name = "EnrollmentRequestPayload"

            class PurchaseMetadataSerializer(serializers.Serializer):
                class Meta:
                    ref_name = "EnrollmentRequestPurchaseMetadata"

                amount = MajorAmountField()
                currency = serializers.CharField(max_length=3)
                purchaseDate = serializers.DateTimeField()

                def validate(self, data):
                    money = money_from(data, amount="amount")
                    return {**data, "amount": money.minor, "currency": money.currency}

            orderId = public_id()
            orderItemId = public_id()
            userId = public_id()
            courseId = public_id()
            instructorId = public_id(required=False, allow_null=True, default=None)
            approvalStatus = serializers.ChoiceField(
                choices=["pending", "auto-approved"], default="pending"
            )
            autoApprove = serializers.BooleanField(default=False)
            purchaseMetadata = PurchaseMetadataSerializer()

        source = serializers.CharField(max_length=100)
        payload = PayloadSerializer()

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "EnrollmentRequestOutput"

        success = serializers.BooleanField()
        enrollmentId = serializers.CharField()
        status = serializers.CharField()
        message = serializers.CharField()

    @spec_endpoint_schema(request=InputSerializer, status=201, response=OutputSerializer)
    def post(self, request):
        return self.answer(request)

    natural_key = staticmethod(order_item_key)

    def effect(self, body, connector_key_id):
        payload = body["payload"]
        purchase = payload["purchaseMetadata"]
        own_records_only(connector_key_id, sale_named(payload))
        receipt = api_call(
            lambda: lms_api.enrollment_request(
                PendingEnrollmentRequest(
                    external_order_id=payload["orderId"],
                    external_order_item_id=payload["orderItemId"],
                    user_id=payload["userId"],
                    course_id=payload["courseId"],
                    instructor_id=payload["instructorId"],
                    approval_status=payload["approvalStatus"],
                    auto_approve=payload["autoApprove"],
                    metadata=PurchaseMetadata(
                        purchase_date=purchase["purchaseDate"],
                        amount=_major(purchase["amount"], purchase["currency"]),
                        currency=purchase["currency"],
                    ),
                )
            ),
            fields=ENROLLMENT_REQUEST_FIELDS,
        )
        answer = {
            "success": True,
            "enrollmentId": receipt.enrollment_id,
            "status": receipt.status,
            "message": receipt.message,
        }
        return 201, self.OutputSerializer(answer).data


class EnrollmentStatusView(SpecEndpointView):
    """Connector 2: an outside LMS tells commerce it approved or rejected a paid enrollment.

    Approval fulfils the order item; rejection refunds it. Idempotent on enrollmentId + event.
    """

    endpoint = "enrollment-status"
    EVENTS = {"enrollment.approved": "approved", "enrollment.rejected": "rejected"}

    class InputSerializer(SpecBodySerializer):
        class Meta:
            ref_name = "EnrollmentStatusInput"

        class PayloadSerializer(serializers.Serializer):
            class Meta:
                ref_name = "EnrollmentStatusPayload"

            enrollmentId = public_id()
            orderId = public_id()
            orderItemId = public_id()
            status = serializers.ChoiceField(choices=["approved", "rejected"])
            approvedAt = serializers.DateTimeField(required=False)
            approvedBy = serializers.CharField(max_length=100, required=False)
            rejectedAt = serializers.DateTimeField(required=False)
            rejectedBy = serializers.CharField(max_length=100, required=False)
            reason = serializers.CharField(max_length=1000, required=False, default="")

        source = serializers.CharField(max_length=100)
        event = serializers.ChoiceField(choices=["enrollment.approved", "enrollment.rejected"])
        payload = PayloadSerializer()

        def validate(self, data):
            expected = EnrollmentStatusView.EVENTS[data["event"]]
            if data["payload"]["status"] != expected:
                raise serializers.ValidationError(
                    {"payload": {"status": f"must be '{expected}' for the event {data['event']}"}}
                )
            return data

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "EnrollmentStatusOutput"

        success = serializers.BooleanField()
        orderItemId = serializers.CharField()
        fulfilment = serializers.CharField()

    @spec_endpoint_schema(request=InputSerializer, status=200, response=OutputSerializer)
    def post(self, request):
        return self.answer(request)

    natural_key = staticmethod(enrollment_event_key)

    def effect(self, body, connector_key_id):
        payload = body["payload"]
        own_records_only(connector_key_id, enrollment_named(payload))
        if body["event"] == "enrollment.approved":
            call = lambda: commerce_api.order_item_enrollment_approved(  # noqa: E731
                order_item_id=payload["orderItemId"], enrollment_id=payload["enrollmentId"]
            )
        else:
            call = lambda: commerce_api.order_item_enrollment_rejected(  # noqa: E731
                order_item_id=payload["orderItemId"],
                enrollment_id=payload["enrollmentId"],
                reason=payload["reason"],
            )
        fulfilment = api_call(call, fields={"orderItemId": "payload.orderItemId"})
        if fulfilment.order_id != payload["orderId"]:
            # Raised inside the effect's transaction: the fulfilment above is rolled back.
            raise ConnectorError(
                f"order item {payload['orderItemId']} belongs to another order",
                field="payload.orderId",
            )
        answer = {
            "success": True,
            "orderItemId": fulfilment.order_item_id,
            "fulfilment": fulfilment.fulfilment,
        }
        return 200, self.OutputSerializer(answer).data


def _major(minor: int, currency_code: str) -> str:
    return Money(minor, currency_code).to_decimal_string()
