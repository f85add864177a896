"""The revenue ledger is append-only in the database too, not only in the model's save().

PostgreSQL refuses UPDATE and DELETE of a ledger row; SQLite (the embedded mode) refuses UPDATE
(its test database is emptied with DELETE, so DELETE stays possible there; the foreign keys
protect the rows in use).
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION commerce_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'revenue ledger entries are never edited or deleted; record a reversing entry';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER commerce_ledger_append_only
    BEFORE UPDATE OR DELETE ON commerce_revenueledgerentry
    FOR EACH ROW EXECUTE FUNCTION commerce_ledger_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS commerce_ledger_append_only ON commerce_revenueledgerentry;
DROP FUNCTION IF EXISTS commerce_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER commerce_ledger_append_only BEFORE UPDATE ON commerce_revenueledgerentry
BEGIN
    SELECT RAISE(ABORT, 'revenue ledger entries are never edited; record a reversing entry');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS commerce_ledger_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("commerce", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
