import pytest

from commerce import events


@pytest.fixture
def published():
    """Every commerce event published during the test, as (event type, payload)."""
    seen = []

    def receive(sender, envelope, **kwargs):
        seen.append((envelope.event_type, envelope.payload))

    for event in (events.order_paid, events.refund_completed):
        event.signal.connect(receive, weak=False, dispatch_uid=f"test:{event.event_type}")
    yield seen
    for event in (events.order_paid, events.refund_completed):
        event.signal.disconnect(dispatch_uid=f"test:{event.event_type}")
