"""A real event and consumer used to exercise the outbox end to end.

The consumer's effect is a database row (an auth ``Group`` named after the ping), so a second
delivery would show up as a second row, or as an integrity error, and a rolled-back attempt leaves
nothing behind. ``fail_times`` makes the consumer raise on its first attempts, counted per ping.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from cadence.kernel.events import DomainEvent
from connectors import registry

CONSUMER = "tests.ping-recorder"


@dataclass(frozen=True)
class PingSent:
    name: str
    fail_times: int = 0


ping_sent = DomainEvent("cadence.connectors.ping.sent.v1", PingSent)

attempts: Counter[str] = Counter()


@registry.subscribe(ping_sent, name=CONSUMER)
def record_ping(envelope) -> None:
    from django.contrib.auth.models import Group

    ping = envelope.payload
    attempts[ping.name] += 1
    Group.objects.create(name=f"ping:{ping.name}")
    if attempts[ping.name] <= ping.fail_times:
        raise RuntimeError(f"ping {ping.name} fails on attempt {attempts[ping.name]}")


@dataclass(frozen=True)
class PairSent:
    name: str


# One event with two consumers; the first can be held inside its delivery (``first_entered`` is
# set once it runs, ``first_release`` lets it finish) to show what the second does meanwhile.
pair_sent = DomainEvent("cadence.connectors.pair.sent.v1", PairSent)
FIRST_OF_PAIR = "tests.pair-first"
SECOND_OF_PAIR = "tests.pair-second"
first_entered = threading.Event()
first_release = threading.Event()


@registry.subscribe(pair_sent, name=FIRST_OF_PAIR)
def record_pair_first(envelope) -> None:
    from django.contrib.auth.models import Group

    Group.objects.create(name=f"pair-first:{envelope.payload.name}")
    first_entered.set()
    first_release.wait(timeout=30)


@registry.subscribe(pair_sent, name=SECOND_OF_PAIR)
def record_pair_second(envelope) -> None:
    from django.contrib.auth.models import Group

    Group.objects.create(name=f"pair-second:{envelope.payload.name}")
