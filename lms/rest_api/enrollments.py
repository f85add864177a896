from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.api import datetime_string
from cadence.pagination import BoundedLimitOffsetPagination
from lms import selectors
from lms.errors import LmsNotFound
from lms.models import Enrollment
from lms.models.enrollments import NEXT_STEPS
from lms.rest_api.pagination import paginated


class LmsEnrollmentSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    userId = serializers.CharField(source="user.public_id")
    courseId = serializers.CharField(source="course.public_id")
    courseTitle = serializers.CharField(source="course.title")
    instructorId = serializers.CharField(source="instructor.public_id", allow_null=True)
    status = serializers.CharField(source="state")
    nextStep = serializers.CharField(source="next_step")
    source = serializers.CharField()
    orderId = serializers.CharField(source="external_order_id", allow_null=True)
    orderItemId = serializers.CharField(source="external_order_item_id", allow_null=True)
    requestedAt = serializers.DateTimeField(source="requested_at")
    approvedAt = serializers.DateTimeField(source="approved_at", allow_null=True)
    approvedBy = serializers.CharField(source="approved_by")
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    grade = serializers.IntegerField(allow_null=True)


# The columns LmsEnrollmentSerializer reads (``next_step`` comes from ``state``): the detail reads
# only these, a third of the four rows it joins, as values (no model instances).
ENROLLMENT_OUTPUT_FIELDS = (
    "public_id",
    "user__public_id",
    "course__public_id",
    "course__title",
    "instructor__public_id",
    "state",
    "source",
    "external_order_id",
    "external_order_item_id",
    "requested_at",
    "approved_at",
    "approved_by",
    "started_at",
    "completed_at",
    "grade",
)


def enrollment_body(row: dict) -> dict:
    """``LmsEnrollmentSerializer`` of an enrollment read as values with the fields above, written
    out directly: the same keys, order and strings, without a serializer's cost per field (the
    tests compare the two)."""
    return {
        "id": row["public_id"],
        "userId": row["user__public_id"],
        "courseId": row["course__public_id"],
        "courseTitle": row["course__title"],
        "instructorId": row["instructor__public_id"],
        "status": row["state"],
        "nextStep": NEXT_STEPS[row["state"]],
        "source": row["source"],
        "orderId": row["external_order_id"],
        "orderItemId": row["external_order_item_id"],
        "requestedAt": datetime_string(row["requested_at"]),
        "approvedAt": datetime_string(row["approved_at"]),
        "approvedBy": row["approved_by"],
        "startedAt": datetime_string(row["started_at"]),
        "completedAt": datetime_string(row["completed_at"]),
        "grade": row["grade"],
    }


class EnrollmentListApi(APIView):
    """A learner's own enrollments; staff with the view permission see everyone's."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Enrollment.State.values, required=False)

    # One schema component for the list and the detail: the shared serializer itself.
    OutputSerializer = LmsEnrollmentSerializer
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="lms_enrollments_list",
        parameters=[OpenApiParameter("status", enum=Enrollment.State.values)],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        enrollments = selectors.enrollments_readable_by(request.user).order_by(
            "-requested_at", "-id"
        )
        if "status" in filters.validated_data:
            enrollments = enrollments.filter(state=filters.validated_data["status"])
        return paginated(request, self, enrollments, self.OutputSerializer)


class EnrollmentDetailApi(APIView):
    # One schema component for the list and the detail: the shared serializer itself.
    OutputSerializer = LmsEnrollmentSerializer

    @extend_schema(operation_id="lms_enrollments_retrieve", responses=OutputSerializer)
    def get(self, request, enrollment_id: str):
        enrollment = selectors.enrollment_values_readable_by(
            request.user, enrollment_id, fields=ENROLLMENT_OUTPUT_FIELDS
        )
        if enrollment is None:
            # Another learner's enrollment is as absent as an unknown one: no existence leak.
            raise LmsNotFound(f"no enrollment has the id '{enrollment_id}'", field="enrollmentId")
        return Response(enrollment_body(enrollment))
