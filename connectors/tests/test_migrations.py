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


BEFORE_PER_KEY_RECORDS = [("connectors", "0005_connector_key_scopes")]
PER_KEY_RECORDS = [("connectors", "0006_inbound_requests_per_connector_key")]


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
