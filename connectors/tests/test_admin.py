import pytest
from django.urls import reverse

from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


@pytest.mark.django_db
def test_staff_revoke_a_connector_key_from_the_admin(staff_client):
    connector_key_create(name="commerce-platform")
    key = ConnectorKey.objects.get()

    response = staff_client.post(
        reverse("admin:connectors_connectorkey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 connector keys revoked." in response.content.decode()
    assert ConnectorKey.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_the_key_page_shows_no_secret(staff_client):
    issued = connector_key_create(name="commerce-platform")
    key = ConnectorKey.objects.get()

    page = staff_client.get(reverse("admin:connectors_connectorkey_change", args=[key.pk]))

    assert page.status_code == 200
    assert issued.secret not in page.content.decode()
    assert issued.key not in page.content.decode()
    assert key.prefix in page.content.decode()


@pytest.mark.django_db
def test_staff_read_the_recorded_inbound_requests(staff_client):
    from connectors.tests.test_inbound_idempotency import PAYLOAD, request_enrollment

    request_enrollment(PAYLOAD)

    page = staff_client.get(reverse("admin:connectors_inboundrequest_changelist"))

    assert page.status_code == 200
    assert "orderId=ord_1&amp;orderItemId=oi_1" in page.content.decode()


@pytest.mark.django_db
def test_staff_subscribe_a_receiver_and_see_its_secret(staff_client):
    from connectors.models import WebhookSubscription

    form = staff_client.get(reverse("admin:connectors_webhooksubscription_add"))
    assert "Declared event types: " in form.content.decode()

    response = staff_client.post(
        reverse("admin:connectors_webhooksubscription_add"),
        {
            "name": "partner-crm",
            "url": "https://crm.example.com/hooks/cadence",
            "event_types": "cadence.lms.*\ncadence.commerce.payment.completed.v1",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret.startswith("whsec_")
    assert subscription.wants("cadence.lms.enrollment.approved.v1")
    assert subscription.wants("cadence.commerce.payment.completed.v1")
    assert not subscription.wants("cadence.commerce.refund.completed.v1")
    page = staff_client.get(
        reverse("admin:connectors_webhooksubscription_change", args=[subscription.pk])
    )
    assert subscription.secret in page.content.decode()


@pytest.mark.django_db
def test_staff_rotate_a_subscription_secret(staff_client):
    from connectors.tests.factories import WebhookSubscriptionFactory

    subscription = WebhookSubscriptionFactory()
    old = subscription.secret

    staff_client.post(
        reverse("admin:connectors_webhooksubscription_changelist"),
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
    )

    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.previous_secret == old
    assert subscription.previous_secret_expires_at is not None


@pytest.mark.django_db
def test_staff_issue_a_connector_key_in_the_admin_and_see_it_once(staff_client):
    form = staff_client.get(reverse("admin:connectors_connectorkey_add")).content.decode()
    # Least privilege: only what every key needs is ticked.
    assert 'value="connectors" id="id_scopes_0" checked' in form
    assert 'value="payouts:read" id="id_scopes_1">' in form

    response = staff_client.post(
        reverse("admin:connectors_connectorkey_add"),
        {"name": "commerce-platform", "requests_per_minute": "60", "scopes": ["connectors"]},
    )

    page = response.content.decode()
    key = ConnectorKey.objects.get()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert key.name == "commerce-platform"
    assert key.requests_per_minute == 60
    assert key.scopes == ["connectors"]
    shown_key = page.split('<code id="issued-key">')[1].split("</code>")[0]
    shown_secret = page.split('<code id="issued-secret">')[1].split("</code>")[0]
    assert shown_key.startswith(key.prefix + ".")
    assert key.signing_secrets.get().secret == shown_secret
    # Never again: the key's own page shows neither.
    later = staff_client.get(reverse("admin:connectors_connectorkey_change", args=[key.pk]))
    assert shown_key not in later.content.decode()
    assert shown_secret not in later.content.decode()


@pytest.mark.django_db
def test_issuing_a_key_under_a_taken_name_says_so_and_creates_nothing(staff_client):
    connector_key_create(name="commerce-platform")

    response = staff_client.post(
        reverse("admin:connectors_connectorkey_add"),
        {"name": "commerce-platform", "requests_per_minute": "60", "scopes": ["connectors"]},
    )

    assert response.status_code == 200
    assert "a connector key named &#x27;commerce-platform&#x27; already exists" in (
        response.content.decode()
    )
    assert 'id="issued-key"' not in response.content.decode()
    assert ConnectorKey.objects.count() == 1


@pytest.mark.django_db
def test_a_key_issued_without_any_scope_is_refused_and_nothing_is_created(staff_client):
    response = staff_client.post(
        reverse("admin:connectors_connectorkey_add"),
        {"name": "commerce-platform", "requests_per_minute": "60"},
    )

    assert response.status_code == 200
    assert 'id="issued-key"' not in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert not ConnectorKey.objects.exists()


@pytest.mark.django_db
def test_staff_see_and_change_the_scopes_of_a_key(staff_client):
    connector_key_create(name="finance-warehouse")
    key = ConnectorKey.objects.get()
    listing = staff_client.get(reverse("admin:connectors_connectorkey_changelist"))
    assert '<td class="field-scope_list">connectors</td>' in listing.content.decode()

    response = staff_client.post(
        reverse("admin:connectors_connectorkey_change", args=[key.pk]),
        {
            "requests_per_minute": "120",
            "scopes": ["payouts:read"],
            "signing_secrets-TOTAL_FORMS": "1",
            "signing_secrets-INITIAL_FORMS": "1",
            "signing_secrets-0-id": key.signing_secrets.get().pk,
            "signing_secrets-0-key": key.pk,
            "signing_secrets-0-expires_at_0": "",
            "signing_secrets-0-expires_at_1": "",
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert ConnectorKey.objects.get().scopes == ["payouts:read"]


@pytest.mark.django_db
def test_only_staff_allowed_to_add_keys_may_issue_them(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)

    response = client.post(reverse("admin:connectors_connectorkey_add"), {"name": "sneaky"})

    assert response.status_code == 403
    assert not ConnectorKey.objects.exists()


def _queries_to_show(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first page of a session also touches the session itself
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changelist",
    [
        "admin:connectors_webhookdelivery_changelist",
        "admin:connectors_webhooksubscription_changelist",
        "admin:connectors_connectorkey_changelist",
        "admin:connectors_inboundrequest_changelist",
        "admin:connectors_outsiderecord_changelist",
    ],
)
def test_connector_admin_lists_cost_the_same_queries_for_1_or_30_rows(staff_client, changelist):
    from django.utils import timezone

    from connectors.models import InboundRequest, OutsideRecord, WebhookAttempt, WebhookDelivery
    from connectors.tests.factories import WebhookSubscriptionFactory

    def add_rows(count: int, start: int) -> None:
        for number in range(start, start + count):
            subscription = WebhookSubscriptionFactory()
            delivery = WebhookDelivery.objects.create(
                subscription=subscription, event_id=f"evt_{number}", event_type="t", body="{}"
            )
            WebhookAttempt.objects.create(
                delivery=delivery, attempted_at=timezone.now(), succeeded=True, latency_ms=1
            )
            connector_key_create(name=f"system-{number}")
            key = ConnectorKey.objects.get(name=f"system-{number}")
            InboundRequest.objects.create(
                connector_key=key,
                endpoint="e",
                natural_key=f"k={number}",
                payload_hash="h",
                payload={},
            )
            OutsideRecord.objects.create(
                connector_key=key, kind=OutsideRecord.Kind.ORDER, record_id=f"ord_{number}"
            )

    url = reverse(changelist)
    add_rows(1, 0)
    with_one = _queries_to_show(staff_client, url)
    add_rows(29, 1)

    assert _queries_to_show(staff_client, url) == with_one


@pytest.mark.django_db
def test_a_delivery_page_costs_the_same_queries_for_1_or_30_attempts(staff_client):
    from django.utils import timezone

    from connectors.models import WebhookAttempt, WebhookDelivery
    from connectors.tests.factories import WebhookSubscriptionFactory

    delivery = WebhookDelivery.objects.create(
        subscription=WebhookSubscriptionFactory(), event_id="evt_1", event_type="t", body="{}"
    )

    def attempt():
        WebhookAttempt.objects.create(
            delivery=delivery, attempted_at=timezone.now(), succeeded=False, latency_ms=5
        )

    url = reverse("admin:connectors_webhookdelivery_change", args=[delivery.pk])
    attempt()
    with_one = _queries_to_show(staff_client, url)
    for _ in range(29):
        attempt()

    assert _queries_to_show(staff_client, url) == with_one
