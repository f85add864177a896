"""The demo's story: one sale's whole life, and a learner on her way, told through the connectors.

Every row is written by the service that writes it in production: the LMS creates people and
courses, commerce sells through the cart and the ``test`` processor, the outbox carries each fact
to the other contexts, staff approve, learners learn, the instructor grades, payouts splits,
confirms and pays. Only the clock is moved: the graduate's story happened weeks ago, so that its
hold period has passed and the payout batch really pays it. Each chapter runs on its date in this
one process (tasks run in place, the outbox is emptied before the next chapter), so the story
reads in order whatever broker is configured. Telling it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import time_machine
from celery import current_app
from django.utils import timezone

from commerce import api as commerce_api
from connectors.models import OutboxDelivery
from connectors.outbox.services import outbox_deliver_pending_now
from lms import api as lms_api
from lms.data import DemoSeed
from payouts import api as payouts_api
from payouts.data import DemoPayoutRun

# Days before today on which each chapter happened.
PLATFORM_OPENS = 60
GRADUATE_BUYS = 45
GRADUATE_APPROVED = 44
GRADUATE_COMPLETES = 40
LEARNER_BUYS = 3
LEARNER_APPROVED = 2


class DemoUntold(RuntimeError):
    """An event of the story could not be delivered: the story would not read true."""


@dataclass(frozen=True)
class DemoStory:
    seed: DemoSeed
    paid_orders: tuple[str, ...]
    payout_run: DemoPayoutRun | None


def demo_tell(*, password: str, say: Callable[[str], None] = lambda line: None) -> DemoStory:
    """Tell (or, when it was told before, find) the demo's story, chapter by chapter."""
    today = timezone.now()
    story = _Chapters()
    with _tasks_in_place():
        with _on(today, PLATFORM_OPENS):
            say("The platform opens: people, a department and two published courses…")
            seed = lms_api.seed_demo(password=password, live_sessions_at=today + timedelta(days=7))
            story.deliver()  # Course and user sync: the catalog and the payee cache learn of them.
            commerce_api.seed_demo_catalog(course_ids=[course.id for course in seed.courses])
            payouts_api.seed_demo_payees(user_ids=[seed.users["creator"], seed.users["instructor"]])
        first, second = (course.id for course in seed.courses)
        graduate, learner = seed.users["graduate"], seed.users["learner"]
        with _on(today, GRADUATE_BUYS):
            say("The graduate buys the first course…")
            orders = [story.buy(customer_id=graduate, course_id=first)]
        with _on(today, GRADUATE_APPROVED):
            story.learn(user_id=graduate, course_id=first, stage="approved")
        with _on(today, GRADUATE_COMPLETES):
            say("…is approved, works through it, is graded by the instructor and completes it.")
            story.learn(user_id=graduate, course_id=first, stage="completed")
        with _on(today, LEARNER_BUYS):
            say("The learner buys both courses, the second with a coupon, billed to California…")
            orders.append(story.buy(customer_id=learner, course_id=first))
            orders.append(
                story.buy(
                    customer_id=learner,
                    course_id=second,
                    coupon_code="WELCOME10",
                    billing_region="CA",
                )
            )
        with _on(today, LEARNER_APPROVED):
            say("…is approved for the first and starts it; the second awaits approval.")
            story.learn(user_id=learner, course_id=first, stage="in_progress")
        say("Today's payout batch pays the graduate's course's creator and instructor.")
        payout_run = payouts_api.seed_demo_payout_run()
        story.deliver()
    return DemoStory(seed=seed, paid_orders=tuple(orders), payout_run=payout_run)


class _Chapters:
    """The steps that cross contexts, each followed by the delivery of what it published."""

    def __init__(self) -> None:
        self.deliveries_before = (
            OutboxDelivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )

    def buy(self, **purchase) -> str:
        order_id = commerce_api.seed_demo_purchase(**purchase).order_id
        self.deliver()  # Connectors 1 and 4: a pending enrollment, pending earned revenue.
        return order_id

    def learn(self, **progress) -> None:
        lms_api.seed_demo_learning(**progress)
        self.deliver()  # Connectors 2 and 3 and the interactions: fulfilment, confirmed shares.

    def deliver(self) -> None:
        failed = list(outbox_deliver_pending_now().failed)
        # Tasks run in place retry a failing delivery until it is dead, before the drain sees it.
        failed += [
            f"{consumer}: {error}"
            for consumer, error in OutboxDelivery.objects.filter(
                pk__gt=self.deliveries_before, status=OutboxDelivery.Status.DEAD
            ).values_list("consumer", "last_error")
        ]
        if failed:
            raise DemoUntold("the demo's events were not all delivered: " + "; ".join(failed))


@contextmanager
def _on(today: datetime, days_ago: int) -> Iterator[None]:
    with time_machine.travel(today - timedelta(days=days_ago), tick=True):
        yield


@contextmanager
def _tasks_in_place() -> Iterator[None]:
    """Run tasks in this process while the story is told, whatever the broker."""
    conf = current_app.conf
    was_eager = conf.task_always_eager
    conf.task_always_eager = True
    try:
        yield
    finally:
        conf.task_always_eager = was_eager
