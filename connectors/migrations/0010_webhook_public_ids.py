"""Webhook subscriptions and deliveries get public ids (``whs_…``, ``whd_…``) for the API.

Added as a plain nullable column, given an id row by row, then made the unique public id field.
"""

from django.db import migrations, models

import cadence.kernel.public_ids
from cadence.kernel.public_ids import new_public_id


def ids_given(apps, schema_editor):
    for model_name, prefix in (("WebhookSubscription", "whs"), ("WebhookDelivery", "whd")):
        model = apps.get_model("connectors", model_name)
        for pk in model.objects.values_list("pk", flat=True).iterator():
            model.objects.filter(pk=pk).update(public_id=new_public_id(prefix))


class Migration(migrations.Migration):
    dependencies = [("connectors", "0009_signing_secrets_encrypted")]

    operations = [
        migrations.AddField(
            model_name="webhooksubscription",
            name="public_id",
            field=models.CharField(max_length=30, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="public_id",
            field=models.CharField(max_length=30, null=True, editable=False),
        ),
        migrations.RunPython(ids_given, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="public_id",
            field=cadence.kernel.public_ids.PublicIdField(prefix="whs", max_length=30),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="public_id",
            field=cadence.kernel.public_ids.PublicIdField(prefix="whd", max_length=30),
        ),
    ]
