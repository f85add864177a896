"""Inbound requests get a public id (``inr_…``), the address of their answer, and the body of a
request accepted to be processed later (``Prefer: respond-async``).

The id is added as a plain nullable column, given row by row, then made the unique public id.
"""

import django.core.serializers.json
from django.db import migrations, models

import cadence.kernel.public_ids
from cadence.kernel.public_ids import new_public_id


def ids_given(apps, schema_editor):
    model = apps.get_model("connectors", "InboundRequest")
    for pk in model.objects.values_list("pk", flat=True).iterator():
        model.objects.filter(pk=pk).update(public_id=new_public_id("inr"))


class Migration(migrations.Migration):
    dependencies = [("connectors", "0010_webhook_public_ids")]

    operations = [
        migrations.AddField(
            model_name="inboundrequest",
            name="public_id",
            field=models.CharField(max_length=30, null=True, editable=False),
        ),
        migrations.RunPython(ids_given, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="inboundrequest",
            name="public_id",
            field=cadence.kernel.public_ids.PublicIdField(prefix="inr", max_length=30),
        ),
        migrations.AddField(
            model_name="inboundrequest",
            name="request_body",
            field=models.JSONField(
                editable=False, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True
            ),
        ),
    ]
