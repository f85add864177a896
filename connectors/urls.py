from django.urls import path

from connectors.rest_api.enrollments import EnrollmentRequestView, EnrollmentStatusView
from connectors.rest_api.views import ConnectorPingView

urlpatterns = [
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
]
