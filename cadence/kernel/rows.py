"""Writing one row once, in one statement, whoever else is writing it."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def insert_unless_present(
    instance: models.Model, *, unique: Sequence[str], unless: models.QuerySet | None = None
) -> bool:
    """Insert ``instance`` unless a row with the same ``unique`` fields exists (or a row of
    ``unless``, checked in the same statement); whether it was inserted (then ``instance`` has
    its primary key).

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
    placeholders = ", ".join(["%s"] * len(fields))
    if unless is None:
        rows = f"VALUES ({placeholders})"
    else:
        # SQLite needs the WHERE to read ON CONFLICT as the insert's, which this one has.
        absent, absent_params = unless.values("pk").query.sql_with_params()
        rows = f"SELECT {placeholders} WHERE NOT EXISTS ({absent})"
        values = [*values, *absent_params]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"{rows} "
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


def insert_all_unless_present(
    instances: Sequence[models.Model], *, unique: Sequence[str]
) -> list[bool]:
    """``insert_unless_present`` for several rows of one model in one statement: for each of
    ``instances`` (in their order), whether it was inserted (then it has its primary key)."""
    if not instances:
        return []
    meta = instances[0]._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    unique_fields = [meta.get_field(name) for name in unique]
    rows, keys = [], []
    for instance in instances:
        rows += [
            field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
        ]
        keys.append(tuple(getattr(instance, field.attname) for field in unique_fields))
    one_row = f"({', '.join(['%s'] * len(fields))})"
    returned = ", ".join(quote(f.column) for f in [meta.pk, *unique_fields])
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608  (names from the model)
        f"VALUES {', '.join([one_row] * len(instances))} "
        f"ON CONFLICT ({', '.join(quote(f.column) for f in unique_fields)}) DO NOTHING "
        f"RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, rows)
        made = {tuple(key): pk for pk, *key in cursor.fetchall()}
    inserted = []
    for instance, key in zip(instances, keys, strict=True):
        pk = made.pop(key, None)
        if pk is not None:
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = connection.alias
        inserted.append(pk is not None)
    return inserted
