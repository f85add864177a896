"""The spec's connector endpoints into payouts (Connectors 3 and 4, over HTTP)."""

from __future__ import annotations

from rest_framework import serializers

from connectors.instructors import revenue_with_instructors
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
from payouts import api as payouts_api
from payouts import data as payouts_data


class SaleRecordedOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayoutsSaleRecordedOutput"

    success = serializers.BooleanField()
    orderId = serializers.CharField()
    orderItemId = serializers.CharField()
    revenueRecorded = serializers.BooleanField()


def sale_answer(sale: payouts_data.SaleEarnings) -> dict:
    return SaleRecordedOutputSerializer(
        {
            "success": True,
            "orderId": sale.order_id,
            "orderItemId": sale.order_item_id,
            "revenueRecorded": sale.recorded,
        }
    ).data


class CourseCompletionView(SpecEndpointView):
    """Connector 3: an outside LMS reports a completion; payouts confirms the shares it earns.

    Idempotent on enrollmentId + event. A completion may arrive before the revenue: payouts keeps
    it and confirms the shares once the sale is recorded.
    """

    endpoint = "course-completion"

    class InputSerializer(SpecBodySerializer):
        class Meta:
            ref_name = "CourseCompletionInput"

        class PayloadSerializer(serializers.Serializer):
            class Meta:
                ref_name = "CourseCompletionPayload"

            enrollmentId = public_id()
            userId = public_id()
            courseId = public_id()
            instructorId = public_id(required=False, allow_null=True, default=None)
            contentCreatorId = public_id()
            completedAt = serializers.DateTimeField()
            grade = serializers.IntegerField(
                min_value=0, max_value=100, required=False, allow_null=True, default=None
            )
            orderId = public_id()
            orderItemId = public_id()

        source = serializers.CharField(max_length=100)
        event = serializers.ChoiceField(choices=["enrollment.completed"])
        payload = PayloadSerializer()

    @spec_endpoint_schema(
        request=InputSerializer, status=200, response=SaleRecordedOutputSerializer
    )
    def post(self, request):
        return self.answer(request)

    natural_key = staticmethod(enrollment_event_key)

    def effect(self, body, connector_key_id):
        payload = body["payload"]
        own_records_only(connector_key_id, enrollment_named(payload))
        sale = api_call(
            lambda: payouts_api.enrollment_completion_record(
                payouts_data.EnrollmentCompleted(
                    enrollment_id=payload["enrollmentId"],
                    user_id=payload["userId"],
                    course_id=payload["courseId"],
                    content_creator_id=payload["contentCreatorId"],
                    completed_at=payload["completedAt"],
                    order_id=payload["orderId"],
                    order_item_id=payload["orderItemId"],
                    instructor_id=payload["instructorId"] or "",
                    grade=payload["grade"],
                )
            ),
            fields={},
        )
        return 200, sale_answer(sale)


class RevenueRecordedView(SpecEndpointView):
    """Connector 4: an outside commerce system reports a paid order item; payouts splits its net.

    Beyond the spec's fields it takes ``taxAmount`` and ``discountAmount`` (default 0) and
    ``instructorIds`` (pre-assigned to the item); ``grossAmount - taxAmount - platformFee``
    must equal ``netAmount``, which is negative when the fee exceeded the charge (the sale is
    shared as nothing, the platform bearing the loss). The instructor pool is resolved as for a
    sale made here (``connectors.instructors``): the LMS's word on the enrollment's instructor,
    else these, else the course's instructors. Idempotent on orderId + orderItemId.
    """

    endpoint = "revenue-recorded"

    class InputSerializer(SpecBodySerializer):
        class Meta:
            ref_name = "RevenueRecordedInput"

        class PayloadSerializer(serializers.Serializer):
            class Meta:
                ref_name = "RevenueRecordedPayload"

            orderId = public_id()
            orderItemId = public_id()
            courseId = public_id()
            contentCreatorId = public_id()
            instructorIds = serializers.ListField(
                child=public_id(), required=False, default=list, max_length=20
            )
            grossAmount = MajorAmountField()
            taxAmount = MajorAmountField(required=False, default="0")
            discountAmount = MajorAmountField(required=False, default="0")
            platformFee = MajorAmountField()
            netAmount = MajorAmountField()
            currency = serializers.CharField(max_length=3)
            paidAt = serializers.DateTimeField()

            def validate(self, data):
                amounts = {
                    name: money_from(data, amount=name)
                    for name in ("grossAmount", "taxAmount", "discountAmount", "platformFee")
                }
                net = money_from(data, amount="netAmount")
                # The net alone may be negative: a charge smaller than the processor's fee.
                for name, money in amounts.items():
                    if money.minor < 0:
                        raise serializers.ValidationError({name: "must not be negative"})
                expected = amounts["grossAmount"] - amounts["taxAmount"] - amounts["platformFee"]
                if net != expected:
                    raise serializers.ValidationError(
                        {
                            "netAmount": f"must be grossAmount - taxAmount - platformFee = "
                            f"{expected.to_decimal_string()}; got {net.to_decimal_string()}"
                        }
                    )
                minor = {name: money.minor for name, money in amounts.items()}
                return {**data, **minor, "netAmount": net.minor, "currency": net.currency}

        source = serializers.CharField(max_length=100)
        event = serializers.ChoiceField(choices=["payment.completed"])
        payload = PayloadSerializer()

    @spec_endpoint_schema(
        request=InputSerializer, status=200, response=SaleRecordedOutputSerializer
    )
    def post(self, request):
        return self.answer(request)

    natural_key = staticmethod(order_item_key)

    def effect(self, body, connector_key_id):
        payload = body["payload"]
        own_records_only(connector_key_id, sale_named(payload))
        sale = api_call(
            lambda: payouts_api.revenue_record(
                revenue_with_instructors(
                    payouts_data.RevenueRecorded(
                        order_id=payload["orderId"],
                        order_item_id=payload["orderItemId"],
                        course_id=payload["courseId"],
                        content_creator_id=payload["contentCreatorId"],
                        gross_amount=payload["grossAmount"],
                        tax_amount=payload["taxAmount"],
                        discount_amount=payload["discountAmount"],
                        platform_fee=payload["platformFee"],
                        net_amount=payload["netAmount"],
                        currency=payload["currency"],
                        paid_at=payload["paidAt"],
                        instructor_ids=tuple(payload["instructorIds"]),
                    )
                )
            ),
            fields={},
        )
        return 200, sale_answer(sale)
