from django.db import migrations, models


def files_encrypted(apps, schema_editor):
    """Encrypt every payout file kept in clear: each holds a bank account number."""
    from payouts.crypto import payout_file_encrypt

    PayoutFile = apps.get_model("payouts", "PayoutFile")
    for payout_file in PayoutFile.objects.all():
        payout_file.content_encrypted = payout_file_encrypt(payout_file.content)
        payout_file.save(update_fields=["content_encrypted"])


def files_in_clear(apps, schema_editor):
    from payouts.crypto import payout_file_decrypt

    PayoutFile = apps.get_model("payouts", "PayoutFile")
    for payout_file in PayoutFile.objects.all():
        payout_file.content = payout_file_decrypt(payout_file.content_encrypted)
        payout_file.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0007_payout_account_numbers_encrypted"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="payoutfile",
            options={
                "permissions": [
                    (
                        "download_payoutfile",
                        "Can download payout files, bank account numbers in clear",
                    )
                ]
            },
        ),
        migrations.AddField(
            model_name="payoutfile",
            name="content_encrypted",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        # Blank in both directions, so that either side of the move may fill it.
        migrations.AlterField(
            model_name="payoutfile",
            name="content",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(files_encrypted, files_in_clear),
        migrations.RemoveField(model_name="payoutfile", name="content"),
    ]
