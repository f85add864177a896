import pytest
from django.db import transaction

from connectors.models import WebhookAttempt, WebhookDelivery
from connectors.tests.factories import WebhookSubscriptionFactory
from connectors.tests.ping import PingSent, ping_sent
from tests.fixtures.celery_worker import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]


@pytest.fixture
def quick_webhook_retries(monkeypatch):
    # Read by the worker process at start-up: retries a second or so apart, not minutes.
    monkeypatch.setenv("WEBHOOK_BACKOFF_BASE_SECONDS", "1")


def test_a_real_worker_sends_a_webhook_and_retries_a_failure(
    quick_webhook_retries, celery_worker, receiver
):
    receiver.answer(500, then=200)
    subscription = WebhookSubscriptionFactory(url=receiver.url)

    with transaction.atomic():
        envelope = ping_sent.publish(PingSent(name="to-the-world"))

    wait_until(
        lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).exists(),
        timeout=60,
        message="the webhook delivered by the worker",
    )
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.event_id == envelope.event_id
    assert list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)
    ) == [500, 200]
    assert [r.headers["X-Cadence-Event-Id"] for r in receiver.received] == [envelope.event_id] * 2
