"""Database-level guards on the journal (PostgreSQL) and the platform defaults."""

from datetime import UTC, datetime

from django.db import migrations

IMMUTABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION payouts_journal_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'posted journal rows cannot be changed or deleted (% on %)', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
"""

BALANCED_FUNCTION = """
CREATE OR REPLACE FUNCTION payouts_journal_balanced() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM payouts_journalentry
        WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING SUM(amount_minor) <> 0
    ) THEN
        RAISE EXCEPTION 'journal transaction % does not balance', NEW.transaction_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

FORWARD = [
    IMMUTABLE_FUNCTION,
    BALANCED_FUNCTION,
    # TRUNCATE stays possible: it is how a test database is emptied, and not an application path.
    "CREATE TRIGGER payouts_journaltransaction_immutable BEFORE UPDATE OR DELETE "
    "ON payouts_journaltransaction FOR EACH ROW EXECUTE FUNCTION payouts_journal_immutable();",
    "CREATE TRIGGER payouts_journalentry_immutable BEFORE UPDATE OR DELETE "
    "ON payouts_journalentry FOR EACH ROW EXECUTE FUNCTION payouts_journal_immutable();",
    # Checked at commit, once all the legs of the transaction are in.
    "CREATE CONSTRAINT TRIGGER payouts_journalentry_balanced AFTER INSERT "
    "ON payouts_journalentry DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW EXECUTE FUNCTION payouts_journal_balanced();",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS payouts_journalentry_balanced ON payouts_journalentry;",
    "DROP TRIGGER IF EXISTS payouts_journalentry_immutable ON payouts_journalentry;",
    "DROP TRIGGER IF EXISTS payouts_journaltransaction_immutable ON payouts_journaltransaction;",
    "DROP FUNCTION IF EXISTS payouts_journal_balanced();",
    "DROP FUNCTION IF EXISTS payouts_journal_immutable();",
]


def guards_add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (embedded mode) relies on the Python guards on the models.
    for statement in FORWARD:
        schema_editor.execute(statement, params=None)


def guards_remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement, params=None)


def defaults_add(apps, schema_editor):
    RevenueShareConfig = apps.get_model("payouts", "RevenueShareConfig")
    InteractionRequirement = apps.get_model("payouts", "InteractionRequirement")
    # The spec's split: 40 % creator, 30 % instructor pool, 30 % platform.
    RevenueShareConfig.objects.get_or_create(
        course_id="",
        effective_from=datetime(2000, 1, 1, tzinfo=UTC),
        defaults={
            "public_id": "rsc_00000000000000000000000000",
            "content_creator_share_bp": 4000,
            "instructor_pool_share_bp": 3000,
            "platform_share_bp": 3000,
        },
    )
    # The spec's minimum: one reply, one graded assignment or any live-session time.
    InteractionRequirement.objects.get_or_create(course_id="")


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]

    operations = [
        migrations.RunPython(guards_add, guards_remove),
        migrations.RunPython(defaults_add, migrations.RunPython.noop),
    ]
