from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view

from connectors.rest_api import webhook_subscriptions as subscriptions
from connectors.rest_api.deferred import InboundRequestView
from connectors.rest_api.enrollments import EnrollmentRequestView, EnrollmentStatusView
from connectors.rest_api.payouts import CourseCompletionView, RevenueRecordedView
from connectors.rest_api.views import ConnectorPingView
from connectors.views import reconciliation_report


def spec_paths(route: str, view, name: str) -> list:
    """The spec writes its four connector endpoints without a trailing slash, and outside
    systems sign the path they call (``v2`` binds method, path and body). Both forms are served
    by the same view, neither redirects: the signature is checked on whichever path was called.
    The slash form is the project's own style (every other ``/api/`` path ends with one)."""
    alias = extend_schema_view(
        post=extend_schema(
            operation_id=f"{name.replace('-', '_')}_slash",
            description=(
                f"The same endpoint as `POST /{route}` (the spec's path), in the project's "
                "trailing-slash style. Sign the path you call."
            ),
        )
    )(type(f"{view.__name__}Slash", (view,), {"__doc__": view.__doc__}))
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}/", alias.as_view(), name=f"{name}-slash"),
    ]


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
    path("api/v1/connectors/ping/", ConnectorPingView.as_view(), name="connector-ping"),
    path(
        "api/v1/connectors/inbound-requests/<str:request_id>/",
        InboundRequestView.as_view(),
        name="connector-inbound-request",
    ),
    *spec_paths(
        "api/v2/connectors/enrollment-request",
        EnrollmentRequestView,
        "connector-enrollment-request",
    ),
    *spec_paths(
        "api/v1/webhooks/enrollment-status", EnrollmentStatusView, "connector-enrollment-status"
    ),
    *spec_paths(
        "api/v1/webhooks/course-completion", CourseCompletionView, "connector-course-completion"
    ),
    *spec_paths(
        "api/v1/webhooks/revenue-recorded", RevenueRecordedView, "connector-revenue-recorded"
    ),
]
