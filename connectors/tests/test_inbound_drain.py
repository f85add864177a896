"""Requests accepted to be answered later are answered by drains: one queued per burst, held
till its moment, each request answered once however many drains run at once, a failing one not
holding up the rest."""

import threading
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection

from connectors import tasks
from connectors.inbound.idempotency import inbound_request_accept, inbound_requests_waiting_count
from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey, InboundRequest
from connectors.rest_api import deferred
from connectors.rest_api.deferred import DRAIN_QUEUED_FLAG, inbound_requests_drain_wake
from tests.fixtures.celery_worker import tasks_sent_to_the_broker


def key_id(name: str = "commerce-platform") -> int:
    connector_key_create(name=name)
    return ConnectorKey.objects.get(name=name).pk


def accepted(key: int, count: int, endpoint: str = "revenue-recorded") -> list[int]:
    for n in range(count):
        inbound_request_accept(
            endpoint=endpoint,
            natural_key={"orderId": f"ord_{n}", "orderItemId": f"oi_{n}"},
            payload={"n": n},
            request_body={"n": n},
            connector_key_id=key,
            process_later=lambda _record_id: None,
        )
    return list(InboundRequest.objects.order_by("id").values_list("id", flat=True))


def counting_effects(calls: list[int], fail: set[int] = frozenset()):
    def effect_for(record):
        def effect():
            calls.append(record.pk)
            if record.pk in fail:
                raise RuntimeError("the context is down")
            return 200, {"n": record.request_body["n"]}

        return effect

    return effect_for


@pytest.fixture
def frozen(monkeypatch):
    """The drain's clock, held at a moment the test moves on; what the drain slept."""
    moment = {"now": 1_000_000.0, "slept": []}
    monkeypatch.setattr(deferred, "clock", lambda: moment["now"])
    monkeypatch.setattr(deferred, "sleep", moment["slept"].append)
    return moment


def test_a_burst_queues_one_drain_that_looks_once_the_hold_is_over(frozen):
    queued = mock.Mock()

    assert [inbound_requests_drain_wake(queued, hold=1) for _ in range(3)] == [True, False, False]

    queued.assert_called_once_with(1_000_001.0)
    assert cache.get(DRAIN_QUEUED_FLAG) == 1_000_001.0  # when the queued drain looks


def test_a_process_that_knows_of_a_queued_drain_asks_the_cache_nothing(frozen, monkeypatch):
    queued = mock.Mock()
    assert inbound_requests_drain_wake(queued, hold=1) is True
    deferred.inbound_requests_drain_forget()  # another web process, which queued nothing
    shared = mock.Mock(wraps=cache)
    monkeypatch.setattr(deferred, "cache", shared)

    assert inbound_requests_drain_wake(queued, hold=1) is False  # learnt from the flag
    asked = len(shared.method_calls)
    frozen["now"] += 0.5
    assert inbound_requests_drain_wake(queued, hold=1) is False

    assert len(shared.method_calls) == asked == 2  # the add that failed, the flag's read
    queued.assert_called_once()


def test_a_request_too_close_to_the_drains_look_queues_its_own(frozen):
    queued = mock.Mock()
    assert inbound_requests_drain_wake(queued, hold=1) is True

    # Within the clocks' margin of the moment the drain looks: it might not see this request.
    frozen["now"] += 1 - deferred.CLOCK_MARGIN_SECONDS
    assert inbound_requests_drain_wake(queued, hold=1) is True
    assert queued.call_args_list == [mock.call(1_000_001.0), mock.call(frozen["now"] + 1)]

    deferred.inbound_requests_drain_forget()  # another process sees the same stale flag
    cache.set(DRAIN_QUEUED_FLAG, frozen["now"] + 0.1)
    assert inbound_requests_drain_wake(queued, hold=1) is True
    assert queued.call_count == 3


def test_run_eagerly_each_request_queues_a_drain_that_looks_at_once(frozen):
    queued = mock.Mock()

    assert [inbound_requests_drain_wake(queued, hold=0) for _ in range(2)] == [True, True]

    assert queued.call_args_list == [mock.call(1_000_000.0)] * 2
    assert cache.get(DRAIN_QUEUED_FLAG) is None


def test_a_drain_that_could_not_be_queued_is_queued_by_the_next_request(frozen):
    with pytest.raises(ConnectionError):
        inbound_requests_drain_wake(mock.Mock(side_effect=ConnectionError("broker down")), hold=1)

    queued = mock.Mock()
    assert inbound_requests_drain_wake(queued, hold=1) is True
    queued.assert_called_once()


@pytest.mark.django_db(transaction=True)
def test_a_drain_whose_message_came_early_waits_for_its_moment(frozen, monkeypatch):
    ids = accepted(key_id(), 2)
    calls: list[int] = []
    monkeypatch.setattr(deferred, "_effect_for", counting_effects(calls))

    assert deferred.inbound_requests_drain(not_before=frozen["now"] + 0.6) == (2, False)
    assert deferred.inbound_requests_drain(not_before=frozen["now"] - 5) == (0, False)

    assert frozen["slept"] == [pytest.approx(0.6)]
    assert calls == ids


def test_with_a_broker_a_request_queues_a_drain_held_till_its_moment(frozen):
    with (
        tasks_sent_to_the_broker(),
        mock.patch.object(tasks.inbound_requests_drain, "apply_async") as queued,
    ):
        assert [tasks.inbound_requests_drain_wake() for _ in range(2)] == [True, False]

    looks_at = 1_000_000.0 + deferred.DRAIN_HOLD_SECONDS
    queued.assert_called_once_with(
        kwargs={"not_before": looks_at}, eta=datetime.fromtimestamp(looks_at, tz=UTC)
    )


@pytest.mark.django_db(transaction=True)
def test_a_drain_answers_the_oldest_first_a_batch_at_a_time(monkeypatch):
    ids = accepted(key_id(), 5)
    calls: list[int] = []
    monkeypatch.setattr(deferred, "_effect_for", counting_effects(calls))

    assert deferred.inbound_requests_drain(limit=3) == (3, True)
    assert deferred.inbound_requests_drain(limit=3) == (2, False)
    assert calls == ids
    assert inbound_requests_waiting_count() == 0
    assert [r.response_body for r in InboundRequest.objects.order_by("id")] == [
        {"n": n} for n in range(5)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_request_that_fails_stays_waiting_and_the_others_are_answered(monkeypatch):
    ids = accepted(key_id(), 3)
    calls: list[int] = []
    monkeypatch.setattr(deferred, "_effect_for", counting_effects(calls, fail={ids[1]}))

    assert deferred.inbound_requests_drain() == (2, False)

    assert calls == ids  # tried once each in this drain
    waiting = InboundRequest.objects.filter(response_status__isnull=True)
    assert list(waiting.values_list("id", flat=True)) == [ids[1]]


@pytest.mark.django_db(transaction=True)
def test_a_drain_that_finds_only_failures_does_not_queue_itself_again(monkeypatch):
    ids = accepted(key_id(), 2)
    monkeypatch.setattr(deferred, "_effect_for", counting_effects([], fail=set(ids)))

    assert deferred.inbound_requests_drain(limit=2) == (0, False)


@pytest.mark.django_db(transaction=True)
def test_the_drain_task_queues_itself_while_requests_wait(monkeypatch):
    accepted(key_id(), 3)
    calls: list[int] = []
    monkeypatch.setattr(deferred, "_effect_for", counting_effects(calls))
    monkeypatch.setattr(deferred, "DRAIN_BATCH", 2)

    assert tasks.inbound_requests_drain() == 2  # eager: the next drain ran within
    assert len(calls) == 3
    assert inbound_requests_waiting_count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_sweep_queues_a_drain_for_requests_left_waiting(monkeypatch):
    accepted(key_id(), 2)
    monkeypatch.setattr(tasks, "INBOUND_REQUEST_LOST_AFTER_SECONDS", 0)
    with mock.patch.object(tasks.inbound_requests_drain, "delay") as queued:
        assert tasks.inbound_request_sweep() == 2
    queued.assert_called_once_with()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_drains_running_at_once_answer_each_request_once(monkeypatch):
    ids = accepted(key_id(), 40)
    calls: list[int] = []
    monkeypatch.setattr(deferred, "_effect_for", counting_effects(calls))
    barrier = threading.Barrier(4)
    answered = []

    def drain():
        barrier.wait()
        try:
            answered.append(deferred.inbound_requests_drain(limit=1000)[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(calls) == ids  # each once
    assert sum(answered) == 40
    assert inbound_requests_waiting_count() == 0
