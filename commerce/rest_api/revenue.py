from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.permissions import holds
from commerce import selectors
from commerce.rest_api.fields import MinorAmountField


class RevenueReportApi(APIView):
    """Revenue-ledger totals by course, creator, day or month, for staff who may view the ledger;
    refunds included as the negative entries they are."""

    permission_classes = [holds("commerce.view_revenueledgerentry")]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RevenueReportInput"

        by = serializers.ChoiceField(choices=list(selectors.REVENUE_GROUPINGS), default="course")
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)
        currency = serializers.CharField(required=False)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RevenueReportOutput"

        key = serializers.CharField()
        currency = serializers.CharField()
        gross = MinorAmountField()
        discount = MinorAmountField()
        tax = MinorAmountField()
        processorFee = MinorAmountField(source="fee")
        net = MinorAmountField()
        sales = serializers.IntegerField()
        refunds = serializers.IntegerField()

    @extend_schema(
        parameters=[InputSerializer],
        responses=inline_serializer(
            "RevenueReport",
            fields={
                "by": serializers.ChoiceField(choices=list(selectors.REVENUE_GROUPINGS)),
                "results": OutputSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rows = selectors.revenue_report(
            by=data["by"],
            since=data.get("since"),
            until=data.get("until"),
            currency=(data.get("currency") or "").upper() or None,
        )
        key = selectors.REVENUE_GROUPINGS[data["by"]]
        rows = [{**row, "key": str(row[key])} for row in rows]
        return Response({"by": data["by"], "results": self.OutputSerializer(rows, many=True).data})
