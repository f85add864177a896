import pytest

from cadence.kernel.events import from_json, to_json
from commerce.data import OrderPaid, PaymentCompleted, RefundCompleted
from commerce.services import refund_issue
from commerce.tests.factories import buy, learner_id, priced_item

pytestmark = pytest.mark.django_db


def test_commerce_payloads_survive_the_outbox_round_trip(published):
    order, _ = buy(learner_id(), priced_item("199.00", instructor_id="usr_teacher"))
    refund_issue(order_item_id=order.items.get().public_id)
    paid, refunded = (payload for _, payload in published)

    for payload in (paid, refunded, paid.items[0]):
        stored = to_json(payload)
        assert from_json(type(payload), stored) == payload
    assert to_json(paid)["items"][0]["purchase_metadata"] == {
        "amount": 19900,
        "currency": "USD",
        "purchase_date": order.paid_at.isoformat(),
    }
    assert paid.items[0].instructor_id == "usr_teacher"
    assert isinstance(paid, OrderPaid) and isinstance(refunded, RefundCompleted)
    assert isinstance(paid.items[0], PaymentCompleted)
