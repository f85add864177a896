"""Writing rows in one statement: one row once, whoever else is writing it; rows with theirs."""

from __future__ import annotations

import re
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
    values = [_prepared(field, instance) for field in fields]
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
    _mark_saved(instance, row[0])
    return True


def insert_all_unless_present(
    instances: Sequence[models.Model], *, unique: Sequence[str]
) -> list[bool]:
    """``insert_unless_present`` for several rows of one model in one statement: for each of
    ``instances`` (in their order), whether it was inserted (then it has its primary key)."""
    if not instances:
        return []
    insert = _RowsInsert(instances, unique=unique, skip_present=True)
    return _inserted_by_key(insert.sql, insert.params, instances, insert.keys)


def insert_all_with_children(
    parents: Sequence[models.Model],
    children: Sequence[Sequence[models.Model]],
    *,
    link: str,
    unique: Sequence[str],
    skip_present: bool = False,
) -> list[bool]:
    """Insert ``parents`` and, with each parent inserted, its ``children`` (``children[i]`` are
    ``parents[i]``'s; their ``link`` foreign key is pointed at it): for each parent, whether it
    was inserted (then it has its primary key). The children are not given theirs.

    ``unique``: the parent's fields of a unique constraint, by which each child finds its parent.
    With ``skip_present`` a parent whose constraint a row holds already (or a concurrent insert
    of it) is left out with its children, as in ``insert_all_unless_present``; without, it fails
    the statement as any insert would.

    One statement on PostgreSQL (a writing WITH: the parents' insert, then the children's,
    which reads the parents' new keys); ``save()`` is not called, as in the inserts above.
    Elsewhere the same rows are written in two statements.
    """
    if not parents:
        return []
    parents_insert = _RowsInsert(parents, unique=unique, skip_present=skip_present)
    together = connection.vendor == "postgresql" and any(children)
    sql, params = (
        _with_children_sql(parents_insert, children, link=link)
        if together
        else (parents_insert.sql, parents_insert.params)
    )
    inserted = _inserted_by_key(sql, params, parents, parents_insert.keys)
    kids = _children_linked(parents, inserted, children, link=link)
    if kids and not together:
        type(kids[0]).objects.bulk_create(kids)
    return inserted


class _RowsInsert:
    """``INSERT … VALUES (…), (…) [ON CONFLICT (unique) DO NOTHING] RETURNING pk, unique`` of
    ``instances``, and each one's ``unique`` values, by which the returned rows are matched."""

    def __init__(self, instances, *, unique: Sequence[str], skip_present: bool):
        meta = instances[0]._meta
        quote = connection.ops.quote_name
        fields = [field for field in meta.concrete_fields if not field.primary_key]
        self.unique_fields = [meta.get_field(name) for name in unique]
        self.pk_column = quote(meta.pk.column)
        self.params, self.keys = [], []
        for instance in instances:
            self.params += [_prepared(field, instance) for field in fields]
            self.keys.append(tuple(getattr(instance, f.attname) for f in self.unique_fields))
        one_row = f"({', '.join(['%s'] * len(fields))})"
        unique_columns = ", ".join(quote(f.column) for f in self.unique_fields)
        conflict = f"ON CONFLICT ({unique_columns}) DO NOTHING " if skip_present else ""
        self.returned = f"{self.pk_column}, {unique_columns}"
        self.sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608  (names from the model)
            f"VALUES {', '.join([one_row] * len(instances))} {conflict}RETURNING {self.returned}"
        )


def _with_children_sql(parents: _RowsInsert, children, *, link: str) -> tuple[str, list]:
    """The parents' insert in a writing WITH, then the children's rows, each naming its parent
    by the unique fields: the parent's new key is read from the parents' insert, and a parent
    left out leaves its children out too. The rows are a derived table, so each value carries
    its column's type (without a length: a cast to varchar(n) would cut a value the insert must
    refuse)."""
    quote = connection.ops.quote_name
    child_meta = next(child for family in children for child in family)._meta
    link_field = child_meta.get_field(link)
    fields = [f for f in child_meta.concrete_fields if not f.primary_key and f != link_field]
    parent_is = " AND ".join(f"parent.{quote(f.column)} = %s" for f in parents.unique_fields)
    parent_key = f"(SELECT parent.{parents.pk_column} FROM parent WHERE {parent_is})"  # noqa: S608
    one_row = f"({', '.join([parent_key] + [f'CAST(%s AS {_cast_type(f)})' for f in fields])})"
    params, rows = list(parents.params), []
    for key, family in zip(parents.keys, children, strict=True):
        for child in family:
            rows.append(one_row)
            params += [*key, *(_prepared(field, child) for field in fields)]
    columns = ", ".join(quote(f.column) for f in [link_field, *fields])
    sql = (
        f"WITH parent AS ({parents.sql}), "  # noqa: S608  (names from the models)
        f"child AS (INSERT INTO {quote(child_meta.db_table)} ({columns}) "
        f"SELECT * FROM (VALUES {', '.join(rows)}) AS child_row({columns}) "
        f"WHERE child_row.{quote(link_field.column)} IS NOT NULL) "
        f"SELECT {parents.returned} FROM parent"
    )
    return sql, params


def _children_linked(parents, inserted, children, *, link: str) -> list[models.Model]:
    """The children of the parents inserted, each pointed at its parent."""
    kids = []
    for parent, made, family in zip(parents, inserted, children, strict=True):
        for child in family if made else ():
            setattr(child, link, parent)
            kids.append(child)
    return kids


def _inserted_by_key(sql: str, params: list, instances, keys: list[tuple]) -> list[bool]:
    """Run an insert returning each new row's primary key and unique fields; for each of
    ``instances`` (told apart by ``keys``), whether it was inserted (then it has its key)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        made = {tuple(key): pk for pk, *key in cursor.fetchall()}
    inserted = []
    for instance, key in zip(instances, keys, strict=True):
        pk = made.pop(key, None)
        if pk is not None:
            _mark_saved(instance, pk)
        inserted.append(pk is not None)
    return inserted


def _mark_saved(instance: models.Model, pk) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def _prepared(field: models.Field, instance: models.Model):
    return field.get_db_prep_save(field.pre_save(instance, True), connection)


def _cast_type(field: models.Field) -> str:
    return re.sub(r"\([^)]*\)", "", field.db_type(connection))
