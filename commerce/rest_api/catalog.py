from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.api import datetime_string, query_validated
from cadence.kernel.money import Money
from cadence.pagination import BoundedLimitOffsetPagination
from commerce import selectors
from commerce.errors import CommerceNotFound
from commerce.rest_api.fields import MoneyStringField, amount_string


class CatalogItemOutput(serializers.Serializer):
    catalogItemId = serializers.CharField(source="item.public_id")
    courseId = serializers.CharField(source="item.course.lms_course_id")
    title = serializers.CharField(source="item.course.title")
    description = serializers.CharField(source="item.course.description")
    contentCreatorId = serializers.CharField(source="item.course.content_creator_id")
    thumbnail = serializers.CharField(source="item.course.thumbnail")
    price = MoneyStringField()
    listPrice = MoneyStringField(source="list")
    currency = serializers.CharField(source="price.currency")
    seatCap = serializers.IntegerField(source="item.seat_cap", allow_null=True)
    availableUntil = serializers.DateTimeField(source="item.available_until", allow_null=True)
    refundWindowDays = serializers.IntegerField(source="item.refund_window_days")


# The columns CatalogItemOutput shows of an item in the list, read as values (no model instances):
# the item's, its course's, and its price's in the currency asked for.
_PRICE = selectors.PRICE_HERE
CATALOG_OUTPUT_FIELDS = (
    "public_id",
    "course__lms_course_id",
    "course__title",
    "course__description",
    "course__content_creator_id",
    "course__thumbnail",
    f"{_PRICE}__currency",
    "seat_cap",
    "available_until",
    "refund_window_days",
    *selectors.CATALOG_PRICE_FIELDS,
)


def catalog_item_body(row: dict, at) -> dict:
    """``CatalogItemOutput`` of a ``selectors.catalog_item_values`` row read with the fields
    above, its price the one in force at ``at``, written out directly: the same keys, order and
    strings, without a serializer's cost per field (the tests compare the two)."""
    currency = row[f"{_PRICE}__currency"]
    return {
        "catalogItemId": row["public_id"],
        "courseId": row["course__lms_course_id"],
        "title": row["course__title"],
        "description": row["course__description"],
        "contentCreatorId": row["course__content_creator_id"],
        "thumbnail": row["course__thumbnail"],
        "price": amount_string(selectors.catalog_price_minor_in_force(row, at), currency),
        "listPrice": amount_string(row[f"{_PRICE}__amount_minor"], currency),
        "currency": currency,
        "seatCap": row["seat_cap"],
        "availableUntil": datetime_string(row["available_until"]),
        "refundWindowDays": row["refund_window_days"],
    }


def _row(item):
    return {
        "item": item,
        "price": selectors.current_price(item),
        "list": selectors.list_price(item),
    }


# The catalog's API views. The catalog is the same for everyone who reads it, so a safe request
# without an Authorization header is answered without finding out who sends it: the session (and
# the user it names) is read only when something asks for request.user, which these views never
# do. A header credential is still checked (an invalid token is a 401, as everywhere), and an
# unsafe request still goes through every authentication class, so the session's CSRF check
# refuses it as before. (Comments, not a docstring: the API docs would show it as the detail
# view's description.)
class PublicCatalogApi(APIView):
    permission_classes = [AllowAny]

    def perform_authentication(self, request):
        if request.method in SAFE_METHODS and "Authorization" not in request.headers:
            return  # DRF authenticates lazily, should anything read request.user
        super().perform_authentication(request)


class CatalogListApi(PublicCatalogApi):
    """Courses on sale now, searchable and filtered by price band and creator."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CatalogListInput"

        search = serializers.CharField(required=False, allow_blank=True)
        creatorId = serializers.CharField(required=False, allow_blank=True, max_length=64)
        currency = serializers.CharField(required=False, default="USD")
        minPrice = serializers.CharField(required=False)
        maxPrice = serializers.CharField(required=False)

    OutputSerializer = CatalogItemOutput
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(parameters=[InputSerializer], responses=CatalogItemOutput(many=True))
    def get(self, request):
        data = query_validated(self.InputSerializer, request.query_params)
        currency = data["currency"].upper()
        bounds = {
            key: Money.parse(data[name], currency, field=name).minor
            for key, name in (("min_price_minor", "minPrice"), ("max_price_minor", "maxPrice"))
            if data.get(name) not in (None, "")
        }
        at = timezone.now()
        items = selectors.catalog_item_values(
            fields=CATALOG_OUTPUT_FIELDS,
            at=at,
            search=data.get("search", ""),
            creator_id=data.get("creatorId", ""),
            currency=currency,
            **bounds,
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response([catalog_item_body(row, at) for row in page])


class CatalogDetailApi(PublicCatalogApi):
    OutputSerializer = CatalogItemOutput

    @extend_schema(responses=CatalogItemOutput)
    def get(self, request, course_id: str):
        item = selectors.catalog_item_for_course(
            course_id=course_id, currency=request.query_params.get("currency", "USD").upper()
        )
        if item is None or not item.price_in:
            raise CommerceNotFound(f"no course for sale '{course_id}'", field="courseId")
        return Response(self.OutputSerializer(_row(item)).data)
