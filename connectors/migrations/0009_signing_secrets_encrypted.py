import connectors.models
from django.db import migrations, models


def secrets_encrypted(apps, schema_editor):
    """Encrypt every signing secret stored in clear: the keys' and the webhook subscriptions'."""
    from connectors.encryption import signing_secret_encrypt

    ConnectorSigningSecret = apps.get_model("connectors", "ConnectorSigningSecret")
    for row in ConnectorSigningSecret.objects.all():
        row.secret_encrypted = signing_secret_encrypt(row.secret)
        row.save(update_fields=["secret_encrypted"])
    WebhookSubscription = apps.get_model("connectors", "WebhookSubscription")
    for row in WebhookSubscription.objects.all():
        row.secret_encrypted = signing_secret_encrypt(row.secret)
        row.previous_secret_encrypted = (
            signing_secret_encrypt(row.previous_secret) if row.previous_secret else ""
        )
        row.save(update_fields=["secret_encrypted", "previous_secret_encrypted"])


def secrets_in_clear(apps, schema_editor):
    from connectors.encryption import signing_secret_decrypt

    ConnectorSigningSecret = apps.get_model("connectors", "ConnectorSigningSecret")
    for row in ConnectorSigningSecret.objects.all():
        row.secret = signing_secret_decrypt(row.secret_encrypted)
        row.save(update_fields=["secret"])
    WebhookSubscription = apps.get_model("connectors", "WebhookSubscription")
    for row in WebhookSubscription.objects.all():
        row.secret = signing_secret_decrypt(row.secret_encrypted)
        row.previous_secret = (
            signing_secret_decrypt(row.previous_secret_encrypted)
            if row.previous_secret_encrypted
            else ""
        )
        row.save(update_fields=["secret", "previous_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0008_outside_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="connectorsigningsecret",
            name="secret_encrypted",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="webhooksubscription",
            name="secret_encrypted",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="webhooksubscription",
            name="previous_secret_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        # Made blank in both directions, so that either side of the move may fill it.
        migrations.AlterField(
            model_name="connectorsigningsecret",
            name="secret",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.RunPython(secrets_encrypted, secrets_in_clear),
        migrations.RemoveField(model_name="connectorsigningsecret", name="secret"),
        migrations.RemoveField(model_name="webhooksubscription", name="secret"),
        migrations.RemoveField(model_name="webhooksubscription", name="previous_secret"),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret_encrypted",
            field=models.TextField(
                default=connectors.models.new_webhook_secret_encrypted, editable=False
            ),
        ),
    ]
