from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.pagination import BoundedLimitOffsetPagination
from lms import selectors
from lms.errors import LmsNotFound
from lms.rest_api.pagination import paginated


class LmsCourseSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    thumbnail = serializers.CharField()
    contentCreatorId = serializers.CharField(source="content_creator.public_id")
    status = serializers.CharField()
    requiresApproval = serializers.BooleanField(source="requires_approval")
    passingGrade = serializers.IntegerField(source="passing_grade")
    capacity = serializers.IntegerField(allow_null=True)
    publishedAt = serializers.DateTimeField(source="published_at", allow_null=True)


class CourseListApi(APIView):
    # One schema component for the list and the detail: the shared serializer itself.
    OutputSerializer = LmsCourseSerializer
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(operation_id="lms_courses_list", responses=OutputSerializer(many=True))
    def get(self, request):
        courses = selectors.courses_visible_to(request.user).order_by("title", "id")
        return paginated(request, self, courses, self.OutputSerializer)


class CourseDetailApi(APIView):
    # One schema component for the list and the detail: the shared serializer itself.
    OutputSerializer = LmsCourseSerializer

    @extend_schema(operation_id="lms_courses_retrieve", responses=OutputSerializer)
    def get(self, request, course_id: str):
        course = selectors.courses_visible_to(request.user).filter(public_id=course_id).first()
        if course is None:
            raise LmsNotFound(f"no course has the id '{course_id}'", field="courseId")
        return Response(self.OutputSerializer(course).data)
