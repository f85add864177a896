"""Writing one row once, in one statement, whoever else is writing it."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def insert_unless_present(instance: models.Model, *, unique: Sequence[str]) -> bool:
    """Insert ``instance`` unless a row with the same ``unique`` fields exists; whether it was
    inserted (then ``instance`` has its primary key).

    One ``INSERT … ON CONFLICT (…) DO NOTHING RETURNING`` (PostgreSQL, SQLite 3.35+): a row
    already there, or a concurrent insert of it (waited for until it commits), makes it insert
    nothing, without the savepoint a caught IntegrityError needs. ``save()`` is not called: only
    for models that add nothing to it.
    """
    meta = instance._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608  (names from the model)
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True
