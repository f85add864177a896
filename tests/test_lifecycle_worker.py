"""The life of a sale with every delivery made by a real Celery worker through Redis."""

from __future__ import annotations

import pytest
from django.utils import timezone

from commerce.models import CatalogCourse
from commerce.services import refund_issue
from connectors.models import OutboxDelivery
from connectors.tasks import outbox_sweep
from lms.models import Enrollment
from lms.services import enrollment_approve
from lms.tests.factories import StaffFactory
from tests.fixtures.celery_worker import start_worker, wait_until
from tests.lifecycle import learner, purchase
from tests.test_lifecycle import graded_course, learn_and_get_graded, shares

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def enrollment_for(order_item) -> Enrollment | None:
    return Enrollment.objects.filter(external_order_item_id=order_item.public_id).first()


def state_of(order_item) -> str | None:
    enrollment = enrollment_for(order_item)
    return enrollment.state if enrollment else None


def test_the_199_dollar_course_through_a_real_worker(celery_worker, monkeypatch):
    # Course sync first: pricing needs the catalogue's copy, which the worker writes.
    monkeypatch.setattr(
        "tests.lifecycle.catalog_item_price_set", _price_once_synced(), raising=True
    )
    student, staff = learner(), StaffFactory()
    _course, item, lesson, instructor = graded_course()

    order_item = purchase(student, item)
    wait_until(lambda: state_of(order_item) == "pending", timeout=60, message="pending enrollment")
    wait_until(
        lambda: shares(order_item).get("content-creator") == (7717, "pending"),
        timeout=60,
        message="revenue recorded",
    )
    assert shares(order_item) == {
        "content-creator": (7717, "pending"),
        "instructor": (5788, "pending"),
        "platform": (5788, "pending"),
    }

    enrollment_approve(enrollment=enrollment_for(order_item), actor=staff)
    wait_until(
        lambda: shares(order_item)["platform"] == (5788, "confirmed"),
        timeout=60,
        message="platform share confirmed",
    )

    learn_and_get_graded(order_item, lesson, instructor, student, staff)
    wait_until(
        lambda: shares(order_item)["instructor"] == (5788, "confirmed"),
        timeout=60,
        message="creator and instructor confirmed",
    )
    assert shares(order_item)["content-creator"] == (7717, "confirmed")

    refund_issue(order_item_id=order_item.public_id, reason="Chargeback")
    wait_until(lambda: state_of(order_item) == "revoked", timeout=60, message="revoked")
    wait_until(
        lambda: {status for _amount, status in shares(order_item).values()} == {"reversed"},
        timeout=60,
        message="earnings reversed",
    )


def test_killing_the_worker_between_commit_and_delivery_loses_no_sale(
    celery_worker, monkeypatch, tmp_path
):
    monkeypatch.setattr(
        "tests.lifecycle.catalog_item_price_set", _price_once_synced(), raising=True
    )
    student = learner()
    _course, item, _lesson, _instructor = graded_course()
    celery_worker.kill()

    order_item = purchase(student, item)  # committed; its kicks wait in Redis with no worker
    OutboxDelivery.objects.update(next_attempt_at=timezone.now())
    replacement = start_worker(tmp_path / "worker-2.log")
    try:
        outbox_sweep.delay()
        wait_until(lambda: state_of(order_item) == "pending", timeout=60, message="enrollment")
        wait_until(
            lambda: shares(order_item).get("platform") == (5788, "pending"),
            timeout=60,
            message="revenue recorded after the crash",
        )
    finally:
        replacement.stop()
    assert Enrollment.objects.filter(external_order_item_id=order_item.public_id).count() == 1


def _price_once_synced():
    from tests import lifecycle

    price = lifecycle.catalog_item_price_set

    def wait_then_price(*, lms_course_id, **kwargs):
        wait_until(
            lambda: CatalogCourse.objects.filter(lms_course_id=lms_course_id).exists(),
            timeout=60,
            message="the course synced to the catalogue",
        )
        return price(lms_course_id=lms_course_id, **kwargs)

    return wait_then_price
