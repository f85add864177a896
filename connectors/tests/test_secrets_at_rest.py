"""Signing secrets are encrypted at rest, not stored as given: a copy of the database does not
hold them, and Cadence still reads them back to compute and check HMACs."""

import pytest
from django.db import connection

from connectors.encryption import signing_secret_decrypt
from connectors.inbound.keys import connector_key_create, connector_key_secret_rotate
from connectors.models import ConnectorSigningSecret, WebhookSubscription
from connectors.tests.factories import WebhookSubscriptionFactory
from connectors.tests.signing import signed_request
from connectors.webhooks.services import webhook_subscription_secret_rotate

pytestmark = pytest.mark.django_db


def table_text(table: str) -> str:
    """Every value of every row of ``table``, as text."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (a table name from the test)
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_a_connector_keys_signing_secrets_are_stored_encrypted_and_still_verify(client):
    issued = connector_key_create(name="commerce-platform")
    rotated = connector_key_secret_rotate(name="commerce-platform")

    stored = table_text(ConnectorSigningSecret._meta.db_table)
    assert issued.secret not in stored and rotated not in stored
    assert sorted(row.secret for row in ConnectorSigningSecret.objects.all()) == sorted(
        [issued.secret, rotated]
    )
    for secret in (issued.secret, rotated):
        response = signed_request(
            client, "GET", "/api/v1/connectors/ping/", key=issued.key, secrets=[secret]
        )
        assert response.status_code == 200


def test_a_webhook_subscriptions_secrets_are_stored_encrypted():
    subscription = WebhookSubscriptionFactory()
    first = WebhookSubscription.objects.get(pk=subscription.pk).secret
    second = webhook_subscription_secret_rotate(subscription_id=subscription.pk)

    stored = table_text(WebhookSubscription._meta.db_table)
    assert first.startswith("whsec_") and second.startswith("whsec_")
    assert first not in stored and second not in stored
    subscription = WebhookSubscription.objects.get(pk=subscription.pk)
    assert (subscription.secret, subscription.previous_secret) == (second, first)
    assert signing_secret_decrypt(subscription.secret_encrypted) == second
