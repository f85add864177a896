"""Service transactions that open no savepoint when their caller rolls back the whole transaction.

A service wraps its writes in ``transaction.atomic`` so that it is all or nothing on its own.
Called inside another transaction that block becomes a savepoint: two more statements
(``SAVEPOINT`` and ``RELEASE``), and two more for a refusal (``ROLLBACK TO``). That savepoint
matters only to a caller that catches the service's error and goes on in the same transaction.
A caller that lets every error end its whole transaction says so with ``rolled_back_whole``, and
the services it calls join its transaction instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

_whole: ContextVar[bool] = ContextVar("cadence_rolled_back_whole", default=False)


@contextmanager
def rolled_back_whole() -> Iterator[None]:
    """Inside the caller's ``transaction.atomic()``: no error raised in here is caught before it
    leaves that block, which then rolls everything back; the services called need no savepoint."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rolled_back_whole() belongs inside the caller's transaction.atomic()")
    token = _whole.set(True)
    try:
        yield
    finally:
        _whole.reset(token)


def service_transaction() -> transaction.Atomic:
    """``transaction.atomic()``, without a savepoint inside ``rolled_back_whole``."""
    return transaction.atomic(savepoint=not _whole.get())


def service_atomic(func: Callable[P, R]) -> Callable[P, R]:
    """``@transaction.atomic`` for a service, deciding at each call (``service_transaction``)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with service_transaction():
            return func(*args, **kwargs)

    return wrapper
