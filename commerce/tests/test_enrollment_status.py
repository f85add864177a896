"""The order item follows its enrollment's status in the LMS, whatever order the news comes in.

Connector 2 brings approved, rejected, in progress, completed, cancelled and revoked; late or
repeated news never takes the status back, and orders commerce never issued are not its to follow.
"""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce import api
from commerce.errors import CommerceError
from commerce.models import OrderItem, Refund
from commerce.tests.factories import buy, learner_id, priced_item

pytestmark = pytest.mark.django_db

START = timezone.now()


def paid_item() -> OrderItem:
    order, _ = buy(learner_id(), priced_item())
    return order.items.get()


def tell(item: OrderItem, status: str, minutes: int = 0):
    """The LMS's news of ``status``, dated ``minutes`` after the start of its life."""
    at = START + timedelta(minutes=minutes)
    keys = {"order_id": item.order.public_id, "order_item_id": item.public_id}
    if status == "approved":
        return api.order_item_enrollment_approved(**keys, enrollment_id="enr_1", approved_at=at)
    if status == "rejected":
        return api.order_item_enrollment_rejected(
            **keys, enrollment_id="enr_1", reason="Full", rejected_at=at
        )
    return api.order_item_enrollment_status_changed(
        **keys, enrollment_id="enr_1", status=status, at=at
    )


def status_of(item: OrderItem) -> tuple[str, str]:
    stored = OrderItem.objects.get(pk=item.pk)
    return stored.enrollment_status, stored.fulfilment


LIFE = ["approved", "in_progress", "completed", "revoked"]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(LIFE)))))
def test_a_whole_life_in_any_order_ends_at_its_last_status(order):
    item = paid_item()

    for index in order:
        tell(item, LIFE[index], minutes=index)
    tell(item, "approved")  # and a repeat, late

    assert status_of(item) == ("revoked", "approved")
    stored = OrderItem.objects.get(pk=item.pk)
    assert stored.enrollment_status_at == START + timedelta(minutes=3)
    assert stored.enrollment_id == "enr_1"


@pytest.mark.parametrize(
    ("arrivals", "final"),
    [
        # Cancelled while in progress; the approval and the start arrive after it.
        (["cancelled", "approved", "in_progress"], ("cancelled", "approved")),
        # Completed; the approval, arriving last, fulfils nothing more and moves nothing back.
        (["completed", "in_progress", "approved"], ("completed", "approved")),
        (["revoked", "completed"], ("revoked", "approved")),
        # Refunded before anyone approved it: cancelled, never fulfilled.
        (["cancelled"], ("cancelled", "pending")),
    ],
)
def test_news_arriving_after_a_later_status_changes_nothing(arrivals, final):
    item = paid_item()

    for status in arrivals:
        tell(item, status)

    assert status_of(item) == final


def test_a_rejection_is_kept_and_refunds_once():
    item = paid_item()

    tell(item, "rejected")
    tell(item, "rejected")
    tell(item, "approved")

    assert status_of(item) == ("rejected", "rejected")
    assert Refund.objects.filter(order_item=item).count() == 1


def test_an_order_commerce_never_issued_is_not_its_to_follow():
    keys = {"order_id": "ord_elsewhere", "order_item_id": "oi_elsewhere", "enrollment_id": "enr"}

    assert api.order_item_enrollment_approved(**keys) is None
    assert api.order_item_enrollment_rejected(**keys, reason="Full") is None
    assert api.order_item_enrollment_status_changed(**keys, status="revoked", at=START) is None
    assert not Refund.objects.exists()


def test_an_item_missing_from_one_of_our_orders_is_an_error_naming_it():
    item = paid_item()

    with pytest.raises(CommerceError) as missing:
        api.order_item_enrollment_status_changed(
            order_id=item.order.public_id,
            order_item_id="oi_missing",
            enrollment_id="enr_1",
            status="completed",
            at=START,
        )

    assert missing.value.field == "orderItemId"


def test_a_status_that_is_not_news_of_a_change_is_refused():
    item = paid_item()

    with pytest.raises(CommerceError) as refused:
        tell(item, "pending")

    assert refused.value.field == "status"


def test_the_order_page_and_api_show_the_current_status(client, django_user_model):
    lena = django_user_model.objects.create_user(username="lena", password="pw")
    order, _ = buy(lena.public_id, priced_item())
    item = order.items.get()
    for minutes, status in enumerate(["approved", "in_progress", "completed", "revoked"]):
        tell(item, status, minutes)
    client.force_login(lena)

    page = client.get(reverse("commerce:order", args=[order.public_id])).content.decode()
    listed = client.get("/api/v1/orders/").json()

    assert 'data-testid="enrollment-status">Revoked<' in page
    assert ">Approved<" not in page
    [listed_order] = listed["results"]
    assert listed_order["items"][0]["enrollmentStatus"] == "revoked"
