"""Staff holding the connectors permissions manage outbound webhook subscriptions by API: list,
create (the secret shown once), rotate the secret, disable, list attempts, replay a delivery."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from connectors.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from connectors.tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db
LIST = reverse("api-webhooks")
EVERY_PERMISSION = [
    "view_webhooksubscription",
    "add_webhooksubscription",
    "change_webhooksubscription",
    "view_webhookdelivery",
    "replay_webhookdelivery",
]


def person(django_user_model, name, *, staff=False, codenames=()):
    user = django_user_model.objects.create_user(username=name, password="pw", is_staff=staff)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="connectors", codename__in=codenames)
    )
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff(django_user_model):
    return person(django_user_model, "sam", staff=True, codenames=EVERY_PERMISSION)


@pytest.fixture
def learner(django_user_model):
    return person(django_user_model, "lena", codenames=EVERY_PERMISSION)


def delivery_with_attempts(subscription, *, event_id="evt_1", count=1, status="dead"):
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        event_type="cadence.connectors.ping.sent.v1",
        body="{}",
        attempts=count,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=status)
    start = timezone.now() - timedelta(hours=1)
    for n in range(count):
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=start + timedelta(minutes=n),
            succeeded=False,
            status_code=500,
            latency_ms=12,
            error="HTTP 500",
        )
    return WebhookDelivery.objects.get(pk=delivery.pk)  # a protected FSM field: read it anew


def test_staff_create_a_subscription_and_see_its_secret_once(staff):
    response = staff.post(
        LIST,
        {
            "name": "crm",
            "url": "https://crm.example/hooks",
            "eventTypes": ["cadence.lms.*", "cadence.commerce.payment.completed.v1"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["subscriptionId"] == subscription.public_id
    assert subscription.public_id.startswith("whs_")
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert body["eventTypes"] == ["cadence.lms.*", "cadence.commerce.payment.completed.v1"]
    assert body["isActive"] is True
    detail = staff.get(reverse("api-webhook", args=[subscription.public_id])).json()
    listed = staff.get(LIST).json()["results"]
    assert "secret" not in detail and all("secret" not in row for row in listed)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "crm", "url": "ftp://crm.example/hooks"}, "url"),
        ({"name": "crm", "url": "not a url"}, "url"),
        ({"name": " ", "url": "https://crm.example/hooks"}, "name"),
        ({"url": "https://crm.example/hooks"}, "name"),
        (
            {
                "name": "crm",
                "url": "https://crm.example/hooks",
                "eventTypes": ["ok.v1", "Bad Type"],
            },
            "eventTypes[1]",
        ),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field(staff, body, field):
    response = staff.post(LIST, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert not WebhookSubscription.objects.exists()


def test_staff_list_subscriptions_paginated(staff):
    for name in ("b-crm", "a-erp", "c-bi"):
        WebhookSubscriptionFactory(name=name)

    body = staff.get(LIST, {"limit": 2}).json()

    assert body["count"] == 3
    assert [row["name"] for row in body["results"]] == ["a-erp", "b-crm"]
    assert body["next"] is not None


def test_rotating_the_secret_shows_the_new_one_and_the_old_one_signs_a_day(staff):
    subscription = WebhookSubscriptionFactory()
    old = subscription.secret

    response = staff.post(reverse("api-webhook-rotate-secret", args=[subscription.public_id]))

    assert response.status_code == 200
    new = response.json()["secret"]
    subscription.refresh_from_db()
    assert new != old and new == subscription.secret
    assert response.json()["previousSecretExpiresAt"] is not None
    assert subscription.signing_secrets(timezone.now()) == [new, old]
    assert subscription.signing_secrets(timezone.now() + timedelta(hours=25)) == [new]


def test_disabling_a_subscription_stops_it(staff):
    subscription = WebhookSubscriptionFactory()

    response = staff.post(reverse("api-webhook-disable", args=[subscription.public_id]))

    assert response.status_code == 200
    assert response.json()["isActive"] is False
    subscription.refresh_from_db()
    assert subscription.is_active is False


def test_attempts_are_listed_newest_first_and_paginated(staff):
    subscription = WebhookSubscriptionFactory()
    delivery = delivery_with_attempts(subscription, count=3)
    delivery_with_attempts(WebhookSubscriptionFactory(), event_id="evt_other", count=2)
    url = reverse("api-webhook-attempts", args=[subscription.public_id])

    body = staff.get(url, {"limit": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    first = body["results"][0]
    assert first["deliveryId"] == delivery.public_id
    assert first["statusCode"] == 500 and first["succeeded"] is False
    assert first["attemptedAt"] > body["results"][1]["attemptedAt"]


def test_replaying_a_dead_delivery_sends_it_again_from_attempt_zero(staff):
    subscription = WebhookSubscriptionFactory()
    delivery = delivery_with_attempts(subscription, count=3, status="dead")
    url = reverse("api-webhook-delivery-replay", args=[subscription.public_id, delivery.public_id])

    response = staff.post(url)

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert response.json()["attempts"] == 0
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "pending"


def test_another_subscriptions_delivery_and_unknown_ids_are_404(staff):
    mine = WebhookSubscriptionFactory()
    theirs = delivery_with_attempts(WebhookSubscriptionFactory(), event_id="evt_theirs")

    replay = staff.post(
        reverse("api-webhook-delivery-replay", args=[mine.public_id, theirs.public_id])
    )
    unknown = staff.post(reverse("api-webhook-disable", args=["whs_nothing"]))
    attempts = staff.get(reverse("api-webhook-attempts", args=[theirs.public_id]))

    assert replay.status_code == 404
    assert replay.json()["error"]["field"] == "deliveryId"
    assert unknown.status_code == 404
    assert attempts.status_code == 404
    assert WebhookDelivery.objects.get(pk=theirs.pk).status == "dead"


def endpoints(subscription, delivery):
    ids = [subscription.public_id]
    return [
        ("get", LIST),
        ("post", LIST),
        ("get", reverse("api-webhook", args=ids)),
        ("post", reverse("api-webhook-rotate-secret", args=ids)),
        ("post", reverse("api-webhook-disable", args=ids)),
        ("get", reverse("api-webhook-attempts", args=ids)),
        ("post", reverse("api-webhook-delivery-replay", args=[*ids, delivery.public_id])),
    ]


def test_a_learner_is_refused_even_holding_the_permissions(learner):
    subscription = WebhookSubscriptionFactory()
    delivery = delivery_with_attempts(subscription)

    for method, url in endpoints(subscription, delivery):
        response = getattr(learner, method)(url, {}, format="json")
        assert response.status_code == 403, (method, url)
        assert response.json()["error"]["code"] == "permission_denied"

    subscription.refresh_from_db()
    assert subscription.is_active


def test_staff_without_the_permission_are_refused(django_user_model):
    viewer = person(django_user_model, "vic", staff=True, codenames=["view_webhooksubscription"])
    subscription = WebhookSubscriptionFactory()
    delivery = delivery_with_attempts(subscription)

    assert viewer.get(LIST).status_code == 200
    for method, url in endpoints(subscription, delivery)[1:]:
        if (method, url) == ("get", reverse("api-webhook", args=[subscription.public_id])):
            continue
        assert getattr(viewer, method)(url, {}, format="json").status_code == 403, url


def test_anonymous_callers_are_asked_to_authenticate():
    response = APIClient().get(LIST)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
