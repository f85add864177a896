import django.db.models.deletion
from django.db import migrations, models


def records_to_their_keys(apps, schema_editor):
    """Each record belongs to the key that made it, found by the name it recorded."""
    InboundRequest = apps.get_model("connectors", "InboundRequest")
    ConnectorKey = apps.get_model("connectors", "ConnectorKey")
    for key_id, name in ConnectorKey.objects.values_list("pk", "name"):
        InboundRequest.objects.filter(connector_key_name=name).update(connector_key_id=key_id)


def records_to_key_names(apps, schema_editor):
    InboundRequest = apps.get_model("connectors", "InboundRequest")
    ConnectorKey = apps.get_model("connectors", "ConnectorKey")
    for key_id, name in ConnectorKey.objects.values_list("pk", "name"):
        InboundRequest.objects.filter(connector_key_id=key_id).update(connector_key_name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0006_staff_capability_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboundrequest",
            name="connector_key",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inbound_requests",
                to="connectors.connectorkey",
            ),
        ),
        migrations.RunPython(records_to_their_keys, records_to_key_names),
        migrations.RemoveConstraint(
            model_name="inboundrequest",
            name="inbound_request_once_per_natural_key",
        ),
        migrations.AddConstraint(
            model_name="inboundrequest",
            constraint=models.UniqueConstraint(
                fields=("connector_key", "endpoint", "natural_key"),
                name="inbound_request_once_per_key_and_natural_key",
            ),
        ),
        migrations.RemoveField(
            model_name="inboundrequest",
            name="connector_key_name",
        ),
    ]
