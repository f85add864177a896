from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.settings import perform_import
from rest_framework.views import APIView

from cadence.api import datetime_string, query_validated
from cadence.kernel.money import decimal_string
from cadence.pagination import BoundedLimitOffsetPagination
from payouts.selectors import listing


def viewer(request, *, see_all: str) -> str | None:
    """Whose rows the caller may see: every payee's (None) for staff who hold the ``see_all``
    permission and for verified systems; anyone else, staff or not, only their own.

    Staff status is checked first, as in lms's lists: a payee reading their own rows costs no
    permission queries (Django reads a user's permissions and their groups' in two)."""
    user = request.user
    if getattr(user, "is_system", False) or (user.is_staff and user.has_perm(see_all)):
        return None
    return user.public_id


def money_string(minor: int, code: str) -> str:
    return decimal_string(minor, code)


class ListApi(APIView):
    """A paginated list; subclasses give the rows and the output serializer.

    Who may call is the project's choice (``PAYOUTS_API_AUTHENTICATION_CLASSES``): people by
    session, and outside systems by a signed connector key. ``see_all`` is the permission that
    shows staff every payee's rows.
    """

    see_all = ""
    pagination_class = BoundedLimitOffsetPagination

    authentication_classes = perform_import(
        settings.PAYOUTS_API_AUTHENTICATION_CLASSES, "PAYOUTS_API_AUTHENTICATION_CLASSES"
    )

    class OutputSerializer(serializers.Serializer):
        pass

    def rows(self, request):
        raise NotImplementedError

    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(self.rows(request), request, view=self)
        return paginator.get_paginated_response(self.output(page))

    def output(self, page) -> list:
        """The page's rows as the answer shows them."""
        return self.OutputSerializer(page, many=True).data


class EarnedRevenueListApi(ListApi):
    see_all = "payouts.view_earnedrevenue"

    @extend_schema_serializer(component_name="PayoutsEarnedRevenueFilter")
    class FilterSerializer(serializers.Serializer):
        orderId = serializers.CharField(required=False, max_length=64)
        userId = serializers.CharField(required=False, max_length=64)
        role = serializers.CharField(required=False, max_length=20)
        status = serializers.CharField(required=False, max_length=20)

    @extend_schema_serializer(component_name="PayoutsEarnedRevenue")
    class OutputSerializer(serializers.Serializer):
        earnedRevenueId = serializers.CharField(source="public_id")
        role = serializers.CharField()
        kind = serializers.CharField()
        amount = serializers.SerializerMethodField()
        currency = serializers.CharField()
        status = serializers.CharField()
        orderId = serializers.CharField(source="sale.order_id")
        orderItemId = serializers.CharField(source="sale.order_item_id")
        enrollmentId = serializers.CharField(source="sale.enrollment_id")
        courseId = serializers.CharField(source="sale.course_id")
        userId = serializers.CharField(source="user_id")
        holdUntil = serializers.DateTimeField(source="hold_until", allow_null=True)
        confirmedAt = serializers.DateTimeField(source="confirmed_at", allow_null=True)
        paidAt = serializers.DateTimeField(source="paid_at", allow_null=True)
        payoutId = serializers.CharField(source="payout.public_id", default=None, allow_null=True)

        def get_amount(self, row) -> str:
            return money_string(row.amount_minor, row.currency)

    # The columns OutputSerializer shows: the list reads only these of the three rows it joins,
    # as values (no model instances), and writes each row out by hand (``earned_revenue_body``).
    output_fields = (
        "public_id",
        "role",
        "kind",
        "amount_minor",
        "currency",
        "status",
        "sale__order_id",
        "sale__order_item_id",
        "sale__enrollment_id",
        "sale__course_id",
        "user_id",
        "hold_until",
        "confirmed_at",
        "paid_at",
        "payout__public_id",
    )

    def rows(self, request):
        data = query_validated(self.FilterSerializer, request.query_params)
        return listing.earned_revenue_list(
            viewer_user_id=viewer(request, see_all=self.see_all),
            order_id=data.get("orderId", ""),
            user_id=data.get("userId", ""),
            role=data.get("role", ""),
            status=data.get("status", ""),
            fields=self.output_fields,
        )

    def output(self, page) -> list:
        return [earned_revenue_body(row) for row in page]

    @extend_schema(responses=OutputSerializer(many=True), parameters=[FilterSerializer])
    def get(self, request):
        return super().get(request)


def earned_revenue_body(row: dict) -> dict:
    """``EarnedRevenueListApi.OutputSerializer`` of a row read as values with its
    ``output_fields``, written out directly: the same keys, order and strings, without a
    serializer's cost per field (the tests compare the two)."""
    return {
        "earnedRevenueId": row["public_id"],
        "role": row["role"],
        "kind": row["kind"],
        "amount": money_string(row["amount_minor"], row["currency"]),
        "currency": row["currency"],
        "status": row["status"],
        "orderId": row["sale__order_id"],
        "orderItemId": row["sale__order_item_id"],
        "enrollmentId": row["sale__enrollment_id"],
        "courseId": row["sale__course_id"],
        "userId": row["user_id"],
        "holdUntil": datetime_string(row["hold_until"]),
        "confirmedAt": datetime_string(row["confirmed_at"]),
        "paidAt": datetime_string(row["paid_at"]),
        "payoutId": row["payout__public_id"],
    }


class PayoutListApi(ListApi):
    see_all = "payouts.view_payout"

    @extend_schema_serializer(component_name="PayoutsPayout")
    class OutputSerializer(serializers.Serializer):
        payoutId = serializers.CharField(source="public_id")
        payoutAccountId = serializers.CharField(source="account.public_id")
        userId = serializers.CharField(source="user_id")
        method = serializers.CharField()
        amount = serializers.SerializerMethodField()
        currency = serializers.CharField()
        status = serializers.CharField()
        earnedRevenueCount = serializers.IntegerField(source="row_count")
        failureReason = serializers.CharField(source="failure_reason")
        reference = serializers.CharField(source="external_reference")
        createdAt = serializers.DateTimeField(source="created_at")
        completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)

        def get_amount(self, row) -> str:
            return money_string(row.amount_minor, row.currency)

    def rows(self, request):
        return listing.payout_list(viewer_user_id=viewer(request, see_all=self.see_all))

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return super().get(request)


class PayoutAccountListApi(ListApi):
    see_all = "payouts.view_payoutaccount"

    @extend_schema_serializer(component_name="PayoutsPayoutAccount")
    class OutputSerializer(serializers.Serializer):
        payoutAccountId = serializers.CharField(source="public_id")
        userId = serializers.CharField(source="user_id")
        payoutMethod = serializers.CharField(source="method")
        verified = serializers.SerializerMethodField()
        verifiedAt = serializers.DateTimeField(source="verified_at", allow_null=True)

        def get_verified(self, row) -> bool:
            return row.verified_at is not None

    def rows(self, request):
        return listing.payout_account_list(viewer_user_id=viewer(request, see_all=self.see_all))

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return super().get(request)


class RevenueShareConfigListApi(ListApi):
    see_all = "payouts.view_revenueshareconfig"

    @extend_schema_serializer(component_name="PayoutsRevenueShareConfig")
    class OutputSerializer(serializers.Serializer):
        revenueShareConfigId = serializers.CharField(source="public_id")
        courseId = serializers.CharField(source="course_id")
        contentCreatorId = serializers.CharField(source="content_creator_id")
        contentCreatorShare = serializers.SerializerMethodField()
        instructorSharePool = serializers.SerializerMethodField()
        platformShare = serializers.SerializerMethodField()
        noInstructorRecipient = serializers.CharField(source="no_instructor_recipient")
        effectiveFrom = serializers.DateTimeField(source="effective_from")

        # Shares as decimal fractions, as the spec writes them ("0.40").
        def get_contentCreatorShare(self, row) -> str:
            return str(Decimal(row.content_creator_share_bp).scaleb(-4).quantize(Decimal("0.0001")))

        def get_instructorSharePool(self, row) -> str:
            return str(Decimal(row.instructor_pool_share_bp).scaleb(-4).quantize(Decimal("0.0001")))

        def get_platformShare(self, row) -> str:
            return str(Decimal(row.platform_share_bp).scaleb(-4).quantize(Decimal("0.0001")))

    def rows(self, request):
        viewer_user_id = viewer(request, see_all=self.see_all)
        return listing.revenue_share_config_list(viewer_user_id=viewer_user_id)

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return super().get(request)
