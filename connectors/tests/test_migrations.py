import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    # Later tests need every migration applied, also those after the one a test stops at.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


BEFORE_SCOPES = [("connectors", "0004_webhooks")]
WITH_SCOPES = [("connectors", "0005_connector_key_scopes")]


@pytest.mark.django_db(transaction=True)
def test_keys_made_before_scopes_may_call_the_connector_endpoints_only():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_SCOPES)
    old_state = executor.loader.project_state(BEFORE_SCOPES).apps
    old_state.get_model("connectors", "ConnectorKey").objects.create(
        name="commerce-platform", prefix="cdk_000000000001", key_hash="0" * 64
    )

    executor = MigrationExecutor(connection)
    executor.migrate(WITH_SCOPES)
    new_state = executor.loader.project_state(WITH_SCOPES).apps

    key = new_state.get_model("connectors", "ConnectorKey").objects.get()
    assert key.scopes == ["connectors"]


BEFORE_PER_KEY_RECORDS = [("connectors", "0006_staff_capability_permissions")]
PER_KEY_RECORDS = [("connectors", "0007_inbound_requests_per_connector_key")]


@pytest.mark.django_db(transaction=True)
def test_inbound_requests_recorded_before_keys_had_their_own_belong_to_the_key_named():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_PER_KEY_RECORDS)
    old_state = executor.loader.project_state(BEFORE_PER_KEY_RECORDS).apps
    key = old_state.get_model("connectors", "ConnectorKey").objects.create(
        name="commerce-platform", prefix="cdk_000000000001", key_hash="0" * 64
    )
    records = old_state.get_model("connectors", "InboundRequest").objects
    for name, item in [("commerce-platform", "oi_1"), ("a-key-since-deleted", "oi_2")]:
        records.create(
            endpoint="revenue-recorded",
            natural_key=f"orderId=ord_1&orderItemId={item}",
            payload_hash="0" * 64,
            payload={},
            connector_key_name=name,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(PER_KEY_RECORDS)
    new_state = executor.loader.project_state(PER_KEY_RECORDS).apps

    owners = dict(
        new_state.get_model("connectors", "InboundRequest").objects.values_list(
            "natural_key", "connector_key_id"
        )
    )
    assert owners == {
        "orderId=ord_1&orderItemId=oi_1": key.pk,
        "orderId=ord_1&orderItemId=oi_2": None,
    }


BEFORE_ENCRYPTION = [("connectors", "0008_outside_records")]
ENCRYPTED = [("connectors", "0009_signing_secrets_encrypted")]


@pytest.mark.django_db(transaction=True)
def test_signing_secrets_stored_in_clear_are_encrypted():
    from connectors.encryption import signing_secret_decrypt

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_ENCRYPTION)
    old_state = executor.loader.project_state(BEFORE_ENCRYPTION).apps
    key = old_state.get_model("connectors", "ConnectorKey").objects.create(
        name="commerce-platform", prefix="cdk_000000000001", key_hash="0" * 64
    )
    old_state.get_model("connectors", "ConnectorSigningSecret").objects.create(
        key=key, secret="cds_in_clear"
    )
    subscriptions = old_state.get_model("connectors", "WebhookSubscription").objects
    subscriptions.create(name="rotated", url="https://a.example/h", secret="whsec_new",
                         previous_secret="whsec_old")  # fmt: skip
    subscriptions.create(name="fresh", url="https://b.example/h", secret="whsec_only")

    executor = MigrationExecutor(connection)
    executor.migrate(ENCRYPTED)
    new_state = executor.loader.project_state(ENCRYPTED).apps

    secret = new_state.get_model("connectors", "ConnectorSigningSecret").objects.get()
    assert "cds_in_clear" not in secret.secret_encrypted
    assert signing_secret_decrypt(secret.secret_encrypted) == "cds_in_clear"
    stored = {
        row.name: row
        for row in new_state.get_model("connectors", "WebhookSubscription").objects.all()
    }
    assert signing_secret_decrypt(stored["rotated"].secret_encrypted) == "whsec_new"
    assert signing_secret_decrypt(stored["rotated"].previous_secret_encrypted) == "whsec_old"
    assert signing_secret_decrypt(stored["fresh"].secret_encrypted) == "whsec_only"
    assert stored["fresh"].previous_secret_encrypted == ""


BEFORE_WEBHOOK_IDS = [("connectors", "0009_signing_secrets_encrypted")]
WEBHOOK_IDS = [("connectors", "0010_webhook_public_ids")]


@pytest.mark.django_db(transaction=True)
def test_webhook_subscriptions_and_deliveries_made_before_public_ids_get_one_each():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_WEBHOOK_IDS)
    old_state = executor.loader.project_state(BEFORE_WEBHOOK_IDS).apps
    subscription_model = old_state.get_model("connectors", "WebhookSubscription")
    delivery_model = old_state.get_model("connectors", "WebhookDelivery")
    for n in range(2):
        subscription = subscription_model.objects.create(
            name=f"crm-{n}", url="https://crm.example/hooks", secret_encrypted="x"
        )
        delivery_model.objects.create(
            subscription=subscription, event_id=f"evt_{n}", event_type="t", body="{}"
        )

    executor = MigrationExecutor(connection)
    executor.migrate(WEBHOOK_IDS)
    new_state = executor.loader.project_state(WEBHOOK_IDS).apps

    subscription_ids = set(
        new_state.get_model("connectors", "WebhookSubscription").objects.values_list(
            "public_id", flat=True
        )
    )
    delivery_ids = set(
        new_state.get_model("connectors", "WebhookDelivery").objects.values_list(
            "public_id", flat=True
        )
    )
    assert len(subscription_ids) == 2 and all(i.startswith("whs_") for i in subscription_ids)
    assert len(delivery_ids) == 2 and all(i.startswith("whd_") for i in delivery_ids)
