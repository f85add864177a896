from django.urls import path

from connectors.rest_api.enrollments import EnrollmentRequestView, EnrollmentStatusView
from connectors.rest_api.payouts import CourseCompletionView, RevenueRecordedView
from connectors.rest_api.views import ConnectorPingView
from connectors.views import reconciliation_report

urlpatterns = [
    path(
        "connectors/reconciliation/",
        reconciliation_report,
        name="connectors-reconciliation",
    ),
    path("api/v1/connectors/ping", ConnectorPingView.as_view(), name="connector-ping"),
    path(
        "api/v2/connectors/enrollment-request",
        EnrollmentRequestView.as_view(),
        name="connector-enrollment-request",
    ),
    path(
        "api/v1/webhooks/enrollment-status",
        EnrollmentStatusView.as_view(),
        name="connector-enrollment-status",
    ),
    path(
        "api/v1/webhooks/course-completion",
        CourseCompletionView.as_view(),
        name="connector-course-completion",
    ),
    path(
        "api/v1/webhooks/revenue-recorded",
        RevenueRecordedView.as_view(),
        name="connector-revenue-recorded",
    ),
]
