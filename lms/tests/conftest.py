import pytest

from cadence.kernel.events import DomainEvent
from lms import events  # noqa: F401  (declares the events the fixture listens to)


class Published(list):
    """The events published during a test, as (event type, payload) pairs, in order."""

    def of(self, fact: str) -> list:
        return [payload for event_type, payload in self if event_type == f"cadence.lms.{fact}.v1"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a directory of the test's own, never the project's."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def published():
    seen = Published()

    def receive(sender, envelope, **kwargs):
        seen.append((envelope.event_type, envelope.payload))

    lms_events = [e for t, e in DomainEvent.registry.items() if t.startswith("cadence.lms.")]
    for event in lms_events:
        event.signal.connect(receive, weak=False, dispatch_uid=f"test:{event.event_type}")
    yield seen
    for event in lms_events:
        event.signal.disconnect(dispatch_uid=f"test:{event.event_type}")
