import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
