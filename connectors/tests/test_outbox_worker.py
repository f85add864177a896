import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from connectors.models import OutboxDelivery
from connectors.tests.ping import CONSUMER, PingSent, ping_sent
from tests.fixtures.celery_worker import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]


def test_a_real_worker_delivers_the_outbox_and_retries_failures(celery_worker):
    with transaction.atomic():
        ping_sent.publish(PingSent(name="via-worker"))
        ping_sent.publish(PingSent(name="flaky-via-worker", fail_times=1))

    wait_until(
        lambda: (
            OutboxDelivery.objects.filter(
                consumer=CONSUMER, status=OutboxDelivery.Status.DELIVERED
            ).count()
            == 2
        ),
        timeout=60,
        message="both deliveries delivered by the worker",
    )
    assert Group.objects.filter(name="ping:via-worker").count() == 1
    assert Group.objects.filter(name="ping:flaky-via-worker").count() == 1
    flaky = OutboxDelivery.objects.get(event__payload__name="flaky-via-worker", consumer=CONSUMER)
    assert flaky.attempts == 2


def test_killing_the_worker_before_delivery_loses_nothing(celery_worker, tmp_path):
    from django.utils import timezone

    from connectors.tasks import outbox_sweep
    from tests.fixtures.celery_worker import start_worker

    celery_worker.kill()
    with transaction.atomic():
        ping_sent.publish(PingSent(name="after-crash"))
    # The kick went to Redis with no worker to take it; make the row due for the sweep as well.
    OutboxDelivery.objects.update(next_attempt_at=timezone.now())
    replacement = start_worker(tmp_path / "worker-2.log")
    try:
        outbox_sweep.delay()
        wait_until(
            lambda: Group.objects.filter(name="ping:after-crash").exists(),
            timeout=60,
            message="the delivery after the crash",
        )
    finally:
        replacement.stop()
    assert Group.objects.filter(name="ping:after-crash").count() == 1
