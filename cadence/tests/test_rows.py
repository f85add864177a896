"""Rows written with their children: each child under its own parent, a parent already there
left out with its children (or refused), one statement on PostgreSQL. Journal transactions and
their entries stand in for any parent and children (a unique key, a foreign key to it)."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadence.kernel.rows import insert_all_with_children
from payouts.models import JournalEntry, JournalTransaction

pytestmark = pytest.mark.django_db


def _transaction(key: str) -> JournalTransaction:
    return JournalTransaction(key=key, description=f"about {key}", posted_at=timezone.now())


def _entries(*amounts: int, account: str = "clearing") -> list[JournalEntry]:
    return [JournalEntry(account=account, currency="USD", amount_minor=a) for a in amounts]


def _written() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for key, amount in JournalEntry.objects.order_by("pk").values_list(
        "transaction__key", "amount_minor"
    ):
        found.setdefault(key, []).append(amount)
    return found


def _insert(parents, children, **options) -> list[bool]:
    return insert_all_with_children(
        parents, children, link="transaction", unique=("key",), **options
    )


def test_each_child_is_written_under_its_own_parent():
    first, second, third = _transaction("a"), _transaction("b"), _transaction("c")
    families = [_entries(100, -100), [], _entries(7, -3, -4)]

    assert _insert([first, second, third], families) == [True, True, True]

    assert _written() == {"a": [100, -100], "c": [7, -3, -4]}
    stored = dict(JournalTransaction.objects.values_list("key", "pk"))
    assert (first.pk, second.pk, third.pk) == (stored["a"], stored["b"], stored["c"])
    assert all(entry.transaction_id == third.pk for entry in families[2])


def test_a_parent_already_there_is_left_out_with_its_children():
    _insert([_transaction("taken")], [_entries(5, -5)])
    again, fresh = _transaction("taken"), _transaction("fresh")

    made = _insert([again, fresh], [_entries(999, -999), _entries(1, -1)], skip_present=True)

    assert made == [False, True]
    assert again.pk is None
    assert _written() == {"taken": [5, -5], "fresh": [1, -1]}


def test_without_skipping_a_parent_already_there_refuses_the_whole_insert():
    _insert([_transaction("taken")], [_entries(5, -5)])

    with pytest.raises(IntegrityError), transaction.atomic():
        _insert([_transaction("new"), _transaction("taken")], [_entries(1, -1), _entries(2, -2)])

    assert _written() == {"taken": [5, -5]}


@pytest.mark.postgres
def test_postgresql_writes_parents_and_children_in_one_statement():
    parents = [_transaction(f"k{n}") for n in range(3)]

    with CaptureQueriesContext(connection) as queries:
        _insert(parents, [_entries(n, -n) for n in range(1, 4)], skip_present=True)

    assert len(queries) == 1
    assert _written() == {"k0": [1, -1], "k1": [2, -2], "k2": [3, -3]}


@pytest.mark.postgres
def test_postgresql_refuses_a_child_value_too_long_rather_than_cutting_it():
    too_long = "x" * 101  # the account column holds 100

    with pytest.raises(DataError), transaction.atomic():
        _insert([_transaction("long")], [_entries(1, -1, account=too_long)])

    assert not JournalTransaction.objects.filter(key="long").exists()
