from django.urls import path

from connectors.rest_api import webhook_subscriptions as subscriptions
from connectors.rest_api.enrollments import EnrollmentRequestView, EnrollmentStatusView
from connectors.rest_api.payouts import CourseCompletionView, RevenueRecordedView
from connectors.rest_api.views import ConnectorPingView
from connectors.views import reconciliation_report

SUBSCRIPTIONS = "api/v1/connectors/webhook-subscriptions/"

urlpatterns = [
    path(SUBSCRIPTIONS, subscriptions.WebhookSubscriptionListApi.as_view(), name="api-webhooks"),
    path(
        f"{SUBSCRIPTIONS}<str:subscription_id>/",
        subscriptions.WebhookSubscriptionDetailApi.as_view(),
        name="api-webhook",
    ),
    path(
        f"{SUBSCRIPTIONS}<str:subscription_id>/rotate-secret/",
        subscriptions.WebhookSubscriptionSecretRotateApi.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path(
        f"{SUBSCRIPTIONS}<str:subscription_id>/disable/",
        subscriptions.WebhookSubscriptionDisableApi.as_view(),
        name="api-webhook-disable",
    ),
    path(
        f"{SUBSCRIPTIONS}<str:subscription_id>/attempts/",
        subscriptions.WebhookAttemptListApi.as_view(),
        name="api-webhook-attempts",
    ),
    path(
        f"{SUBSCRIPTIONS}<str:subscription_id>/deliveries/<str:delivery_id>/replay/",
        subscriptions.WebhookDeliveryReplayApi.as_view(),
        name="api-webhook-delivery-replay",
    ),
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
