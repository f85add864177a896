"""Reading webhook subscriptions, deliveries and attempts by their public ids."""

from __future__ import annotations

from django.db.models import QuerySet

from connectors.errors import WebhookNotFound
from connectors.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def webhook_subscriptions() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.order_by("name", "id")


def webhook_subscription_get(*, subscription_id: str) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.filter(public_id=subscription_id).first()
    if subscription is None:
        raise WebhookNotFound("no webhook subscription has this id", field="subscriptionId")
    return subscription


def webhook_delivery_of(*, subscription: WebhookSubscription, delivery_id: str) -> WebhookDelivery:
    """The subscription's own delivery with that id; another subscription's is not found."""
    delivery = WebhookDelivery.objects.filter(
        subscription=subscription, public_id=delivery_id
    ).first()
    if delivery is None:
        raise WebhookNotFound("this subscription has no delivery with this id", field="deliveryId")
    return delivery


def webhook_attempts_of(*, subscription: WebhookSubscription) -> QuerySet[WebhookAttempt]:
    """Every attempt to deliver to the subscription, newest first, with its delivery."""
    return (
        WebhookAttempt.objects.filter(delivery__subscription=subscription)
        .select_related("delivery")
        .order_by("-attempted_at", "-id")
    )
