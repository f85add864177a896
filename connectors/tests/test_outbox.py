import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from connectors.models import OutboxDelivery, OutboxEvent, ProcessedEvent
from connectors.outbox.services import (
    DrainResult,
    outbox_deliver_pending_now,
    outbox_deliveries_due,
    outbox_delivery_attempt,
    outbox_delivery_replay,
)
from connectors.tasks import outbox_sweep
from connectors.tests.ping import (
    CONSUMER,
    FIRST_OF_PAIR,
    SECOND_OF_PAIR,
    PairSent,
    PingSent,
    attempts,
    first_entered,
    first_release,
    pair_sent,
    ping_sent,
)


def publish(name: str, fail_times: int = 0):
    with transaction.atomic():
        return ping_sent.publish(PingSent(name=name, fail_times=fail_times))


def effects(name: str) -> int:
    return Group.objects.filter(name=f"ping:{name}").count()


@pytest.fixture(autouse=True)
def _fresh_attempts():
    attempts.clear()


@pytest.mark.django_db(transaction=True)
def test_an_event_is_stored_and_delivered_after_commit():
    envelope = publish("hello")

    event = OutboxEvent.objects.get(event_id=envelope.event_id)
    # One delivery per consumer: the ping recorder (no webhook subscription wants it, so the
    # webhooks' fan-out has none: below).
    assert list(event.deliveries.values_list("consumer", flat=True)) == [CONSUMER]
    delivery = event.deliveries.get(consumer=CONSUMER)
    assert event.payload == {"name": "hello", "fail_times": 0}
    assert delivery.status == OutboxDelivery.Status.DELIVERED
    assert delivery.attempts == 1
    assert effects("hello") == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_outbox_row():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        ping_sent.publish(PingSent(name="never"))
        1 / 0  # noqa: B018

    assert not OutboxEvent.objects.exists()
    assert not OutboxDelivery.objects.exists()
    assert effects("never") == 0


@pytest.mark.django_db(transaction=True)
def test_delivering_an_event_twice_has_one_effect():
    envelope = publish("twice")
    delivery = OutboxDelivery.objects.get(event__event_id=envelope.event_id, consumer=CONSUMER)

    # A replay (or a duplicate task) of an already processed event changes nothing.
    OutboxDelivery.objects.filter(pk=delivery.pk).update(
        status=OutboxDelivery.Status.PENDING, attempts=0
    )
    assert outbox_delivery_attempt(delivery_id=delivery.pk).status == "delivered"

    assert effects("twice") == 1
    assert attempts["twice"] == 1
    assert ProcessedEvent.objects.filter(consumer=CONSUMER, event_id=envelope.event_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_consumer_that_raises_is_retried_and_then_succeeds():
    envelope = publish("flaky", fail_times=2)

    delivery = OutboxDelivery.objects.get(event__event_id=envelope.event_id, consumer=CONSUMER)
    assert delivery.status == OutboxDelivery.Status.DELIVERED
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    # The failed attempts' writes were rolled back with them: one effect.
    assert effects("flaky") == 1


@pytest.mark.django_db(transaction=True)
def test_a_consumer_that_keeps_failing_is_dead_lettered_and_replayable(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    envelope = publish("stubborn", fail_times=5)

    delivery = OutboxDelivery.objects.get(event__event_id=envelope.event_id, consumer=CONSUMER)
    assert delivery.status == OutboxDelivery.Status.DEAD
    assert delivery.attempts == 3
    assert "fails on attempt 3" in delivery.last_error
    assert effects("stubborn") == 0

    # Staff replay it from the admin once the cause is fixed (here: two more failures, then ok).
    assert outbox_delivery_replay(delivery_ids=[delivery.pk]) == 1
    delivery.refresh_from_db()
    assert delivery.status == OutboxDelivery.Status.DELIVERED
    assert effects("stubborn") == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_waiting_for_its_retry_is_not_attempted_early_by_a_duplicate_task(
    monkeypatch, settings
):
    # A second task for one delivery: the sweep's, a broker's redelivery of a long countdown.
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 60
    monkeypatch.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
    envelope = publish("patient", fail_times=5)
    delivery = OutboxDelivery.objects.get(event__event_id=envelope.event_id, consumer=CONSUMER)
    assert outbox_delivery_attempt(delivery_id=delivery.pk).status == "retry"

    assert outbox_delivery_attempt(delivery_id=delivery.pk).status == "skipped"

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert attempts["patient"] == 1
    assert delivery.pk not in outbox_deliveries_due()


@pytest.mark.django_db(transaction=True)
def test_the_sweep_delivers_what_no_kick_delivered(monkeypatch):
    # A kick that never reaches a worker stands for a crash between commit and delivery.
    with monkeypatch.context() as patched:
        patched.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
        envelope = publish("lost")
    delivery = OutboxDelivery.objects.get(event__event_id=envelope.event_id, consumer=CONSUMER)
    assert delivery.status == OutboxDelivery.Status.PENDING
    assert delivery.pk not in outbox_deliveries_due()  # still inside the grace period

    OutboxDelivery.objects.update(next_attempt_at=delivery.created_at)
    assert outbox_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == OutboxDelivery.Status.DELIVERED
    assert effects("lost") == 1


@pytest.mark.django_db
def test_delivering_pending_now_runs_every_consumer_once_and_reports_failures():
    # Inside a test transaction no on-commit kick runs: the deliveries wait, as for a command
    # that must see their effects before it goes on.
    publish("now")
    publish("broken", fail_times=1)

    first = outbox_deliver_pending_now()

    assert effects("now") == 1 and effects("broken") == 0
    assert first.delivered == 1  # "now" to the recorder
    assert len(first.failed) == 1 and "ping broken fails on attempt 1" in first.failed[0]
    assert CONSUMER in first.failed[0]
    # The failed one waits for its backoff, even from a second drain.
    assert outbox_deliver_pending_now() == DrainResult(delivered=0, failed=())
    OutboxDelivery.objects.filter(status=OutboxDelivery.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
    assert outbox_deliver_pending_now() == DrainResult(delivered=1, failed=())
    assert effects("broken") == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_at_one_delivery_have_one_effect(monkeypatch):
    monkeypatch.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
    envelope = publish("race")
    delivery_id = OutboxDelivery.objects.get(
        event__event_id=envelope.event_id, consumer=CONSUMER
    ).pk
    barrier = threading.Barrier(5)
    outcomes = []

    def attempt():
        barrier.wait()
        try:
            outcomes.append(outbox_delivery_attempt(delivery_id=delivery_id).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("delivered") == 1
    assert effects("race") == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_consumer_of_an_event_is_delivered_while_the_first_is_being_handled(
    monkeypatch,
):
    monkeypatch.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
    first_entered.clear()
    first_release.clear()
    with transaction.atomic():
        envelope = pair_sent.publish(PairSent(name="both"))
    deliveries = OutboxDelivery.objects.filter(event__event_id=envelope.event_id)
    first = deliveries.get(consumer=FIRST_OF_PAIR).pk
    second = deliveries.get(consumer=SECOND_OF_PAIR).pk
    outcomes = {}

    def deliver_first():
        try:
            outcomes["first"] = outbox_delivery_attempt(delivery_id=first).status
        finally:
            connection.close()

    holder = threading.Thread(target=deliver_first)
    holder.start()
    try:
        assert first_entered.wait(timeout=10), "the first consumer never ran"
        # The first delivery's row is locked now; the event's other delivery must not wait.
        outcomes["second"] = outbox_delivery_attempt(delivery_id=second).status
    finally:
        first_release.set()
        holder.join()

    assert outcomes == {"first": "delivered", "second": "delivered"}
    assert Group.objects.filter(name__startswith="pair-").count() == 2


WEBHOOKS = "webhooks:cadence.connectors.ping.sent.v1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event_types", "is_active", "fanned_out"),
    [
        ("", True, True),  # every event
        ("cadence.connectors.ping.sent.v1", True, True),
        ("  cadence.lms.enrollment.approved.v1\ncadence.connectors.ping.sent.v1 ", True, True),
        ("cadence.connectors.*", True, True),
        ("cadence.lms.*", True, True),  # a pattern: the fan-out decides (and finds nobody)
        ("cadence.lms.enrollment.approved.v1", True, False),
        ("", False, False),  # paused
        (None, True, False),  # no subscription at all
    ],
)
def test_the_webhooks_fan_out_is_recorded_only_if_an_active_subscription_may_want_the_event(
    event_types, is_active, fanned_out
):
    from connectors.tests.factories import WebhookSubscriptionFactory

    if event_types is not None:
        WebhookSubscriptionFactory(event_types=event_types, is_active=is_active)

    envelope = publish("maybe")

    consumers = set(
        OutboxDelivery.objects.filter(event__event_id=envelope.event_id).values_list(
            "consumer", flat=True
        )
    )
    assert consumers == ({CONSUMER, WEBHOOKS} if fanned_out else {CONSUMER})
