"""Outbound webhook subscriptions, by API, for staff holding the connectors permissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.api_docs import error_responses
from cadence.pagination import BoundedLimitOffsetPagination
from cadence.permissions import StaffHoldsPermissions
from connectors.webhooks import selectors, services

VIEW = "connectors.view_webhooksubscription"
ADD = "connectors.add_webhooksubscription"
CHANGE = "connectors.change_webhooksubscription"
VIEW_DELIVERIES = "connectors.view_webhookdelivery"
REPLAY = "connectors.replay_webhookdelivery"


@extend_schema_serializer(component_name="WebhookSubscription")
class SubscriptionOutput(serializers.Serializer):
    subscriptionId = serializers.CharField(source="public_id")
    name = serializers.CharField()
    url = serializers.CharField()
    eventTypes = serializers.ListField(
        source="event_type_patterns", child=serializers.CharField(), help_text="Empty: every event."
    )
    isActive = serializers.BooleanField(source="is_active")
    createdAt = serializers.DateTimeField(source="created_at")
    previousSecretExpiresAt = serializers.DateTimeField(
        source="previous_secret_expires_at",
        allow_null=True,
        help_text="After a rotation the old secret also signs until then.",
    )


@extend_schema_serializer(component_name="WebhookSubscriptionWithSecret")
class SubscriptionWithSecretOutput(SubscriptionOutput):
    secret = serializers.CharField(
        help_text="The signing secret, shown this once: give it to the receiver."
    )


@extend_schema_serializer(component_name="WebhookAttempt")
class AttemptOutput(serializers.Serializer):
    deliveryId = serializers.CharField(source="delivery.public_id")
    eventId = serializers.CharField(source="delivery.event_id")
    eventType = serializers.CharField(source="delivery.event_type")
    deliveryStatus = serializers.CharField(source="delivery.status")
    attemptedAt = serializers.DateTimeField(source="attempted_at")
    succeeded = serializers.BooleanField()
    statusCode = serializers.IntegerField(source="status_code", allow_null=True)
    latencyMs = serializers.IntegerField(source="latency_ms")
    error = serializers.CharField()
    responseSnippet = serializers.CharField(source="response_snippet")


@extend_schema_serializer(component_name="WebhookDelivery")
class DeliveryOutput(serializers.Serializer):
    deliveryId = serializers.CharField(source="public_id")
    eventId = serializers.CharField(source="event_id")
    eventType = serializers.CharField(source="event_type")
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at")


class StaffApi(APIView):
    """Staff holding ``permissions_by_method[method]``; refusals in the project's error body."""

    permission_classes = [StaffHoldsPermissions]
    permissions_by_method: dict[str, tuple[str, ...]] = {}

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(
                detail={"error": {"code": "not_authenticated", "message": "sign in first"}}
            )
        raise exceptions.PermissionDenied(
            detail={"error": {"code": "permission_denied", "message": str(message)}}
        )


def _with_secret(subscription, secret: str) -> dict:
    """The subscription and the secret a service just made (``SubscriptionWithSecretOutput``)."""
    return {**SubscriptionOutput(subscription).data, "secret": secret}


class WebhookSubscriptionListApi(StaffApi):
    """Webhook subscriptions: list them (`view_webhooksubscription`), create one
    (`add_webhooksubscription`)."""

    permissions_by_method = {"GET": (VIEW,), "POST": (ADD,)}
    pagination_class = BoundedLimitOffsetPagination  # the API docs show the page envelope

    @extend_schema_serializer(component_name="WebhookSubscriptionCreate")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        url = serializers.CharField(max_length=500, help_text="http or https.")
        eventTypes = serializers.ListField(
            child=serializers.CharField(max_length=120),
            max_length=100,
            required=False,
            default=list,
            help_text="e.g. cadence.lms.enrollment.approved.v1; a * matches any part. "
            "Empty: every event.",
        )
        isActive = serializers.BooleanField(required=False, default=True)

    @extend_schema(
        operation_id="connectors_webhook_subscriptions_list",
        responses={200: SubscriptionOutput(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.webhook_subscriptions(), request, view=self)
        return paginator.get_paginated_response(SubscriptionOutput(page, many=True).data)

    @extend_schema(
        operation_id="connectors_webhook_subscriptions_create",
        request=InputSerializer,
        responses={201: SubscriptionWithSecretOutput, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        subscription, secret = services.webhook_subscription_create(
            name=values["name"],
            url=values["url"],
            event_types=values["eventTypes"],
            is_active=values["isActive"],
        )
        return Response(_with_secret(subscription, secret), status=status.HTTP_201_CREATED)


class WebhookSubscriptionDetailApi(StaffApi):
    """One webhook subscription, without its secret (`view_webhooksubscription`)."""

    permissions_by_method = {"GET": (VIEW,)}

    @extend_schema(
        operation_id="connectors_webhook_subscriptions_retrieve",
        responses={200: SubscriptionOutput, **error_responses(401, 403, 404)},
    )
    def get(self, request, subscription_id: str):
        subscription = selectors.webhook_subscription_get(subscription_id=subscription_id)
        return Response(SubscriptionOutput(subscription).data)


class WebhookSubscriptionSecretRotateApi(StaffApi):
    """A new signing secret for the subscription (`change_webhooksubscription`)."""

    permissions_by_method = {"POST": (CHANGE,)}

    @extend_schema(
        operation_id="connectors_webhook_subscriptions_rotate_secret",
        summary="Give the subscription a new signing secret",
        description="The new secret is shown this once; the old one also signs for 24 hours.",
        request=None,
        responses={200: SubscriptionWithSecretOutput, **error_responses(401, 403, 404)},
    )
    def post(self, request, subscription_id: str):
        subscription = selectors.webhook_subscription_get(subscription_id=subscription_id)
        secret = services.webhook_subscription_secret_rotate(subscription_id=subscription.pk)
        subscription.refresh_from_db()
        return Response(_with_secret(subscription, secret))


class WebhookSubscriptionDisableApi(StaffApi):
    """Stop sending to the subscription (`change_webhooksubscription`)."""

    permissions_by_method = {"POST": (CHANGE,)}

    @extend_schema(
        operation_id="connectors_webhook_subscriptions_disable",
        summary="Stop sending to the subscription",
        description="Its pending deliveries wait until it is active again (in the admin).",
        request=None,
        responses={200: SubscriptionOutput, **error_responses(401, 403, 404)},
    )
    def post(self, request, subscription_id: str):
        subscription = selectors.webhook_subscription_get(subscription_id=subscription_id)
        disabled = services.webhook_subscription_disable(subscription_id=subscription.pk)
        return Response(SubscriptionOutput(disabled).data)


class WebhookAttemptListApi(StaffApi):
    """The subscription's delivery attempts (`view_webhooksubscription`, `view_webhookdelivery`)."""

    permissions_by_method = {"GET": (VIEW, VIEW_DELIVERIES)}
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="connectors_webhook_subscriptions_attempts_list",
        summary="Every attempt to deliver to the subscription, newest first",
        responses={200: AttemptOutput(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, subscription_id: str):
        subscription = selectors.webhook_subscription_get(subscription_id=subscription_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.webhook_attempts_of(subscription=subscription), request, view=self
        )
        return paginator.get_paginated_response(AttemptOutput(page, many=True).data)


class WebhookDeliveryReplayApi(StaffApi):
    """Send one of the subscription's deliveries again (`replay_webhookdelivery`)."""

    permissions_by_method = {"POST": (VIEW, REPLAY)}

    @extend_schema(
        operation_id="connectors_webhook_subscriptions_delivery_replay",
        summary="Send a delivery again now, from attempt zero",
        request=None,
        responses={202: DeliveryOutput, **error_responses(401, 403, 404)},
    )
    def post(self, request, subscription_id: str, delivery_id: str):
        subscription = selectors.webhook_subscription_get(subscription_id=subscription_id)
        delivery = selectors.webhook_delivery_of(subscription=subscription, delivery_id=delivery_id)
        services.webhook_delivery_replay(delivery_ids=[delivery.pk])
        replayed = selectors.webhook_delivery_of(subscription=subscription, delivery_id=delivery_id)
        return Response(DeliveryOutput(replayed).data, status=status.HTTP_202_ACCEPTED)
