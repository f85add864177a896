"""``/api/v1/lms/enrollments/<id>/(progress|grades)/``, ``/submissions`` and ``/certificates``.

Learners read only their own; instructors only their learners'; staff with the view permission
everyone's. Anything else is as absent as an unknown id (404), so ids leak nothing.
"""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.pagination import BoundedLimitOffsetPagination
from lms import selectors, services
from lms.errors import LmsNotFound
from lms.rest_api.pagination import paginated


def _readable_enrollment(request, enrollment_id: str):
    enrollment = (
        selectors.enrollments_readable_by(request.user).filter(public_id=enrollment_id).first()
    )
    if enrollment is None:
        raise LmsNotFound(f"no enrollment has the id '{enrollment_id}'", field="enrollmentId")
    return enrollment


class LmsProgressSerializer(serializers.Serializer):
    enrollmentId = serializers.CharField()
    status = serializers.CharField()
    lessonsTotal = serializers.IntegerField()
    lessonsDone = serializers.IntegerField()
    percent = serializers.IntegerField()
    nextLessonId = serializers.IntegerField(allow_null=True)
    grade = serializers.IntegerField(allow_null=True)
    passingGrade = serializers.IntegerField()
    missing = serializers.ListField(child=serializers.CharField())
    lessons = serializers.ListField(child=serializers.DictField())


class ProgressApi(APIView):
    # A named component: the schema has several "Output" serializers.
    OutputSerializer = LmsProgressSerializer

    @extend_schema(operation_id="lms_progress_retrieve", responses=OutputSerializer)
    def get(self, request, enrollment_id: str):
        enrollment = _readable_enrollment(request, enrollment_id)
        progress = selectors.progress_for(enrollment)
        lessons = [
            {
                "id": lesson.pk,
                "title": lesson.title,
                "kind": lesson.kind,
                "required": lesson.required,
                "done": lesson.pk in progress.done_ids,
            }
            for lesson in progress.lessons
        ]
        body = {
            "enrollmentId": enrollment.public_id,
            "status": enrollment.state,
            "lessonsTotal": progress.total,
            "lessonsDone": progress.done,
            "percent": progress.percent,
            "nextLessonId": progress.next_lesson.pk if progress.next_lesson else None,
            "grade": progress.grade,
            "passingGrade": progress.passing_grade,
            "missing": list(progress.missing),
            "lessons": lessons,
        }
        return Response(self.OutputSerializer(body).data)


class LmsSubmissionSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    enrollmentId = serializers.CharField(source="enrollment.public_id")
    userId = serializers.CharField(source="enrollment.user.public_id")
    courseId = serializers.CharField(source="enrollment.course.public_id")
    lessonId = serializers.IntegerField(source="lesson.pk")
    lessonTitle = serializers.CharField(source="lesson.title")
    text = serializers.CharField()
    fileName = serializers.CharField(source="file_name")
    fileSize = serializers.IntegerField(source="file_size", allow_null=True)
    fileUrl = serializers.SerializerMethodField()
    submittedAt = serializers.DateTimeField(source="submitted_at")
    score = serializers.IntegerField(allow_null=True)
    feedback = serializers.CharField()
    gradedAt = serializers.DateTimeField(source="graded_at", allow_null=True)

    def get_fileUrl(self, submission) -> str | None:
        if not submission.file:
            return None
        return f"/learning/submissions/{submission.public_id}/file/"


class SubmissionListApi(APIView):
    OutputSerializer = LmsSubmissionSerializer
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(operation_id="lms_submissions_list", responses=OutputSerializer(many=True))
    def get(self, request):
        submissions = selectors.submissions_readable_by(request.user).order_by(
            "-submitted_at", "-id"
        )
        return paginated(request, self, submissions, self.OutputSerializer)


class SubmissionDetailApi(APIView):
    OutputSerializer = LmsSubmissionSerializer

    @extend_schema(operation_id="lms_submissions_retrieve", responses=OutputSerializer)
    def get(self, request, submission_id: str):
        submission = (
            selectors.submissions_readable_by(request.user).filter(public_id=submission_id).first()
        )
        if submission is None:
            raise LmsNotFound(f"no submission has the id '{submission_id}'", field="submissionId")
        return Response(self.OutputSerializer(submission).data)


class LmsAssignmentGradeSerializer(serializers.Serializer):
    submissionId = serializers.CharField(source="public_id")
    lessonId = serializers.IntegerField(source="lesson_id")
    score = serializers.IntegerField(allow_null=True)
    feedback = serializers.CharField()
    gradedAt = serializers.DateTimeField(source="graded_at", allow_null=True)


class LmsGradesSerializer(serializers.Serializer):
    enrollmentId = serializers.CharField()
    gradingMethod = serializers.CharField()
    grade = serializers.IntegerField(allow_null=True)
    finalGrade = serializers.IntegerField(allow_null=True)
    passingGrade = serializers.IntegerField()
    assignments = LmsAssignmentGradeSerializer(many=True)


class GradesApi(APIView):
    OutputSerializer = LmsGradesSerializer

    @extend_schema(operation_id="lms_grades_retrieve", responses=OutputSerializer)
    def get(self, request, enrollment_id: str):
        enrollment = _readable_enrollment(request, enrollment_id)
        progress = selectors.progress_for(enrollment)
        submissions = selectors.submissions_readable_by(request.user).filter(enrollment=enrollment)
        body = {
            "enrollmentId": enrollment.public_id,
            "gradingMethod": enrollment.course.grading_method,
            # The completed enrollment's grade is what counted; before that, the running one.
            "grade": enrollment.grade if enrollment.grade is not None else progress.grade,
            "finalGrade": enrollment.final_grade,
            "passingGrade": enrollment.course.passing_grade,
            "assignments": list(submissions),
        }
        return Response(self.OutputSerializer(body).data)


class LmsCertificateSerializer(serializers.Serializer):
    verificationCode = serializers.CharField(source="verification_code")
    enrollmentId = serializers.CharField(source="enrollment.public_id")
    userId = serializers.CharField(source="enrollment.user.public_id")
    courseId = serializers.CharField(source="enrollment.course.public_id")
    learnerName = serializers.CharField(source="learner_name")
    courseTitle = serializers.CharField(source="course_title")
    grade = serializers.IntegerField()
    issuedAt = serializers.DateTimeField(source="issued_at")
    status = serializers.SerializerMethodField()
    revokedAt = serializers.DateTimeField(source="revoked_at", allow_null=True)
    verifyUrl = serializers.SerializerMethodField()

    def get_status(self, certificate) -> str:
        return "valid" if certificate.is_valid else "revoked"

    def get_verifyUrl(self, certificate) -> str:
        return f"/certificates/{certificate.verification_code}/"


class CertificateListApi(APIView):
    OutputSerializer = LmsCertificateSerializer
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(operation_id="lms_certificates_list", responses=OutputSerializer(many=True))
    def get(self, request):
        certificates = selectors.certificates_readable_by(request.user, taught=True).order_by(
            "-issued_at", "-id"
        )
        return paginated(request, self, certificates, self.OutputSerializer)


class CertificateDetailApi(APIView):
    OutputSerializer = LmsCertificateSerializer

    @extend_schema(operation_id="lms_certificates_retrieve", responses=OutputSerializer)
    def get(self, request, code: str):
        certificate = (
            selectors.certificates_readable_by(request.user, taught=True)
            .filter(verification_code=code.upper())
            .first()
        )
        if certificate is None:
            raise LmsNotFound(f"no certificate has the code '{code}'", field="code")
        return Response(self.OutputSerializer(certificate).data)


class SubmissionCreateApi(APIView):
    """The learner hands in an assignment: JSON with ``text``, or multipart with a ``file``."""

    @extend_schema_serializer(component_name="LmsSubmissionCreateInput")
    class InputSerializer(serializers.Serializer):
        enrollmentId = serializers.CharField(max_length=64)
        lessonId = serializers.IntegerField()
        text = serializers.CharField(required=False, allow_blank=True, default="")
        file = serializers.FileField(required=False, allow_null=True, default=None)

    @extend_schema_serializer(component_name="LmsSubmissionCreateJsonInput")
    class JsonInputSerializer(serializers.Serializer):
        enrollmentId = serializers.CharField(max_length=64)
        lessonId = serializers.IntegerField()
        text = serializers.CharField(required=False, allow_blank=True, default="")

    OutputSerializer = LmsSubmissionSerializer

    @extend_schema(
        operation_id="lms_submissions_create",
        # Two components, so that a generated client can tell which body it is sending.
        request={
            "application/json": JsonInputSerializer,
            "multipart/form-data": InputSerializer,
        },
        responses={201: OutputSerializer},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enrollment = (
            selectors.enrollments_of(request.user).filter(public_id=values["enrollmentId"]).first()
        )
        if enrollment is None:
            raise LmsNotFound(
                f"no enrollment has the id '{values['enrollmentId']}'", field="enrollmentId"
            )
        lesson = selectors.lesson_of_course(enrollment=enrollment, lesson_id=values["lessonId"])
        if lesson is None:
            raise LmsNotFound("is not a lesson of this course", field="lessonId")
        submission = services.submission_submit(
            enrollment=enrollment,
            lesson=lesson,
            actor=request.user,
            text=values["text"],
            upload=values["file"],
        )
        submission = selectors.submissions_readable_by(request.user).get(pk=submission.pk)
        return Response(self.OutputSerializer(submission).data, status=201)


class SubmissionGradeApi(APIView):
    """The learner's instructor grades a submission 0-100 with feedback."""

    @extend_schema_serializer(component_name="LmsSubmissionGradeInput")
    class InputSerializer(serializers.Serializer):
        score = serializers.IntegerField()
        feedback = serializers.CharField(required=False, allow_blank=True, default="")

    OutputSerializer = LmsSubmissionSerializer

    @extend_schema(
        operation_id="lms_submissions_grade", request=InputSerializer, responses=OutputSerializer
    )
    def post(self, request, submission_id: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = (
            selectors.submissions_readable_by(request.user).filter(public_id=submission_id).first()
        )
        if submission is None or not services.may_grade(
            enrollment=submission.enrollment, user=request.user
        ):
            raise LmsNotFound(f"no submission has the id '{submission_id}'", field="submissionId")
        services.submission_grade(
            submission=submission,
            actor=request.user,
            score=data.validated_data["score"],
            feedback=data.validated_data["feedback"],
        )
        submission = selectors.submissions_readable_by(request.user).get(pk=submission.pk)
        return Response(self.OutputSerializer(submission).data)
