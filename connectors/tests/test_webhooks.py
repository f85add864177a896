import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from connectors.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from connectors.signatures import (
    any_request_signature_matches,
    any_signature_matches,
    parse_signature_header,
)
from connectors.tasks import webhook_sweep
from connectors.tests.factories import WebhookSubscriptionFactory
from connectors.tests.ping import PingSent, attempts, ping_sent
from connectors.webhooks.services import (
    webhook_deliveries_create,
    webhook_delivery_attempt,
    webhook_retry_delay,
    webhook_subscription_secret_rotate,
)

pytestmark = pytest.mark.django_db(transaction=True)

PING = "cadence.connectors.ping.sent.v1"


@pytest.fixture(autouse=True)
def _quick_retries(settings):
    attempts.clear()
    # Due again at once: the sweep stands for time passing between retries.
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 0
    settings.WEBHOOK_READ_TIMEOUT_SECONDS = 2


def publish(name: str):
    with transaction.atomic():
        return ping_sent.publish(PingSent(name=name))


def delivery_of(envelope, subscription) -> WebhookDelivery:
    return WebhookDelivery.objects.get(event_id=envelope.event_id, subscription=subscription)


def statuses(delivery) -> list:
    return list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)
    )


def test_an_event_is_posted_signed_to_each_subscription_that_wants_it(receiver):
    subscription = WebhookSubscriptionFactory(url=receiver.url, event_types=PING)
    WebhookSubscriptionFactory(url=receiver.url, event_types="cadence.lms.*")
    WebhookSubscriptionFactory(url=receiver.url, event_types="", is_active=False)

    envelope = publish("hello")

    delivery = delivery_of(envelope, subscription)
    assert WebhookDelivery.objects.count() == 1
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    [request] = receiver.received
    assert request.path == "/hooks/cadence"
    assert request.headers["X-Cadence-Event-Id"] == envelope.event_id
    assert request.headers["X-Cadence-Event-Type"] == PING
    assert json.loads(request.body) == {
        "id": envelope.event_id,
        "type": PING,
        "occurredAt": envelope.occurred_at.isoformat(),
        "data": {"name": "hello", "failTimes": 0},
    }
    parsed = parse_signature_header(request.headers["X-Cadence-Signature"])
    assert abs(parsed.timestamp - timezone.now().timestamp()) < 5
    assert any_signature_matches(parsed=parsed, secrets=[subscription.secret], body=request.body)
    assert signed_for(request, parsed, subscription.secret)
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.succeeded
    assert attempt.status_code == 200
    assert attempt.latency_ms >= 0
    assert attempt.response_snippet == '{"received": true, "status": 200}'


def test_a_subscription_with_no_event_types_gets_every_event(receiver):
    subscription = WebhookSubscriptionFactory(url=receiver.url, event_types="")

    envelope = publish("all")

    assert delivery_of(envelope, subscription).status == WebhookDelivery.Status.DELIVERED


def test_nothing_is_sent_before_the_fact_commits(receiver):
    WebhookSubscriptionFactory(url=receiver.url)

    with transaction.atomic():
        ping_sent.publish(PingSent(name="later"))
        assert not WebhookDelivery.objects.exists()
        assert receiver.received == []
    assert len(receiver.received) == 1

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        ping_sent.publish(PingSent(name="never"))
        1 / 0  # noqa: B018
    assert len(receiver.received) == 1


def test_a_receiver_that_fails_twice_then_succeeds_gets_the_event_on_the_third_try(receiver):
    receiver.answer(500, 502, then=200)
    subscription = WebhookSubscriptionFactory(url=receiver.url)

    envelope = publish("flaky")
    delivery = delivery_of(envelope, subscription)
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert webhook_sweep() == 1
    assert webhook_sweep() == 1

    delivery = delivery_of(envelope, subscription)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 3
    assert statuses(delivery) == [500, 502, 200]
    assert [a.error for a in WebhookAttempt.objects.filter(delivery=delivery)] == [
        "HTTP 500",
        "HTTP 502",
        "",
    ]
    # The same event, with the same id, each time: the receiver can tell it is a retry.
    assert {r.headers["X-Cadence-Event-Id"] for r in receiver.received} == {envelope.event_id}
    assert webhook_sweep() == 0


def test_a_receiver_that_always_fails_is_given_up_after_the_limit_and_can_be_replayed(
    receiver, settings, admin_client
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.answer(then=503)
    subscription = WebhookSubscriptionFactory(url=receiver.url)

    envelope = publish("stubborn")
    while webhook_sweep():
        pass

    delivery = delivery_of(envelope, subscription)
    assert delivery.status == WebhookDelivery.Status.DEAD
    assert statuses(delivery) == [503, 503, 503]
    assert len(receiver.received) == 3

    # Fixed on their side; staff replay the delivery from the admin.
    receiver.answer(then=204)
    response = admin_client.post(
        reverse("admin:connectors_webhookdelivery_changelist"),
        {"action": "replay", "_selected_action": [delivery.pk]},
        follow=True,
    )

    assert "1 webhook deliveries sent again." in response.content.decode()
    delivery = delivery_of(envelope, subscription)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert statuses(delivery) == [503, 503, 503, 204]


def test_an_unreachable_receiver_is_recorded_as_an_error_without_status(settings):
    subscription = WebhookSubscriptionFactory(url="http://127.0.0.1:9/nobody-listens")

    envelope = publish("nowhere")

    delivery = delivery_of(envelope, subscription)
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None
    assert not attempt.succeeded
    assert attempt.error.startswith("ConnectionError")
    assert delivery.status == WebhookDelivery.Status.PENDING


def test_a_slow_receiver_times_out(receiver, settings):
    settings.WEBHOOK_READ_TIMEOUT_SECONDS = 0.2
    receiver.delay_seconds = 1
    subscription = WebhookSubscriptionFactory(url=receiver.url)

    envelope = publish("slow")

    [attempt] = WebhookAttempt.objects.filter(delivery=delivery_of(envelope, subscription))
    assert "Timeout" in attempt.error
    assert attempt.latency_ms >= 200


def test_an_answer_that_stalls_after_its_status_is_recorded_as_an_attempt(receiver, settings):
    settings.WEBHOOK_READ_TIMEOUT_SECONDS = 0.2
    receiver.answer(503, then=503)
    receiver.stall_answer_seconds = 1
    subscription = WebhookSubscriptionFactory(url=receiver.url)

    envelope = publish("stalling")

    delivery = delivery_of(envelope, subscription)
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code == 503
    assert not attempt.succeeded
    assert delivery.attempts == 1
    assert delivery.status == WebhookDelivery.Status.PENDING


def test_a_delivered_webhook_is_not_sent_again_by_a_duplicate_task(receiver):
    subscription = WebhookSubscriptionFactory(url=receiver.url)
    envelope = publish("once")

    outcome = webhook_delivery_attempt(delivery_id=delivery_of(envelope, subscription).pk)

    assert outcome.status == "skipped"
    assert len(receiver.received) == 1


def test_a_delivery_waiting_for_its_retry_is_not_sent_early(receiver, settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 60
    receiver.answer(500)
    subscription = WebhookSubscriptionFactory(url=receiver.url)
    envelope = publish("patient")
    delivery = delivery_of(envelope, subscription)

    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=29)
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "skipped"
    assert webhook_sweep() == 0
    assert len(receiver.received) == 1


def test_during_a_secret_rotation_both_secrets_sign(receiver):
    subscription = WebhookSubscriptionFactory(url=receiver.url)
    old_secret = subscription.secret
    new_secret = webhook_subscription_secret_rotate(subscription_id=subscription.pk)

    publish("rotating")

    [request] = receiver.received
    parsed = parse_signature_header(request.headers["X-Cadence-Signature"])
    assert len(parsed.v1) == len(parsed.v2) == 2
    for secret in (new_secret, old_secret):
        assert any_signature_matches(parsed=parsed, secrets=[secret], body=request.body)
        assert signed_for(request, parsed, secret)


def signed_for(request, parsed, secret: str) -> bool:
    """Whether the request's v2 signs the method, path with query and body it came with."""
    return any_request_signature_matches(
        parsed=parsed, secrets=[secret], method="POST", path=request.path, body=request.body
    )


def test_a_webhook_is_signed_with_v2_over_its_method_path_query_and_body_and_with_v1(receiver):
    subscription = WebhookSubscriptionFactory(url=f"{receiver.url}?tenant=acme&x=%2F")

    publish("bound")

    [request] = receiver.received
    assert request.path == "/hooks/cadence?tenant=acme&x=%2F"
    parsed = parse_signature_header(request.headers["X-Cadence-Signature"])
    assert signed_for(request, parsed, subscription.secret)
    assert any_signature_matches(parsed=parsed, secrets=[subscription.secret], body=request.body)
    # Bound to the receiver: the same header does not sign another path or another query.
    assert not any_request_signature_matches(
        parsed=parsed,
        secrets=[subscription.secret],
        method="POST",
        path="/hooks/cadence?tenant=other&x=%2F",
        body=request.body,
    )


@pytest.mark.parametrize("subscriptions", [1, 12])
def test_fanning_out_an_event_costs_the_same_queries_whatever_the_subscriptions(
    subscriptions, django_assert_num_queries
):
    WebhookSubscriptionFactory.create_batch(subscriptions, url="http://127.0.0.1:9/")

    with transaction.atomic():
        # The subscriptions, then one insert of all deliveries.
        with django_assert_num_queries(2):
            created = webhook_deliveries_create(
                event_id="evt_1", event_type=PING, occurred_at=timezone.now(), data={"name": "n"}
            )
        transaction.set_rollback(True)  # nothing to send: the receivers do not exist

    assert len(created) == subscriptions


@pytest.mark.parametrize("attempt", range(1, 15))
def test_the_backoff_doubles_with_jitter_up_to_a_ceiling(attempt, settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 3600
    ceiling = min(3600, 30 * 2 ** (attempt - 1))

    delays = [webhook_retry_delay(attempt) for _ in range(50)]

    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1  # jittered, so retries of many deliveries spread out


@pytest.mark.postgres
def test_concurrent_attempts_send_a_delivery_once(receiver, monkeypatch):
    monkeypatch.setattr("connectors.webhooks.services.enqueue_webhook_deliveries", lambda ids: None)
    subscription = WebhookSubscriptionFactory(url=receiver.url)
    envelope = publish("race")
    delivery_id = delivery_of(envelope, subscription).pk
    barrier = threading.Barrier(5)
    outcomes = []

    def attempt():
        barrier.wait()
        try:
            outcomes.append(webhook_delivery_attempt(delivery_id=delivery_id).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["delivered"] + ["skipped"] * 4
    assert len(receiver.received) == 1


def test_a_paused_subscription_keeps_its_deliveries_until_it_is_active_again(receiver, monkeypatch):
    subscription = WebhookSubscriptionFactory(url=receiver.url)
    with monkeypatch.context() as patched:
        # Paused after the event, before the send: the delivery waits.
        patched.setattr("connectors.webhooks.services.enqueue_webhook_deliveries", lambda ids: 0)
        publish("paused")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "skipped"
    assert webhook_sweep() == 0
    assert receiver.received == []

    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=True)
    assert webhook_sweep() == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.DELIVERED
    assert len(receiver.received) == 1


def test_every_event_a_context_declares_can_go_out_as_a_webhook():
    import sys

    from cadence.kernel.events import DomainEvent
    from connectors import registry

    # Each context's events module is loaded at start-up, whether or not a connector uses it.
    modules = [sys.modules.get(f"{context}.events") for context in ("lms", "commerce", "payouts")]
    assert all(modules)
    declared = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, DomainEvent)
    ]
    for event in declared:
        assert registry.consumer_named(f"webhooks:{event.event_type}") is not None, event
