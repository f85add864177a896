from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from cadence.kernel.errors import ApplicationError
from cadence.kernel.money import Money
from commerce import api
from commerce.data import REFUND_FOR_REFUSED_ENROLLMENT, RefundCompleted
from commerce.models import Order, OrderItem, Refund, RevenueLedgerEntry
from commerce.services import refund_issue, refund_request
from commerce.tests.factories import TaxRateFactory, buy, learner_id, priced_item

pytestmark = pytest.mark.django_db

REFUNDED = "cadence.commerce.refund.completed.v1"


def refunds_published(published):
    return [payload for kind, payload in published if kind == REFUNDED]


def test_a_full_refund_writes_a_negative_ledger_entry_and_publishes_refund_completed(published):
    learner = learner_id()
    TaxRateFactory(country="US", region="", percent=Decimal("10"))
    order, _ = buy(learner, priced_item("100.00"))
    item = order.items.get()

    refund = refund_issue(order_item_id=item.public_id, reason="changed my mind")

    assert refund.state == Refund.State.SUCCEEDED and refund.processor_reference
    assert Order.objects.get(pk=order.pk).state == Order.State.REFUNDED
    sale, reversal = RevenueLedgerEntry.objects.order_by("pk")
    assert (sale.gross_minor, sale.tax_minor, sale.fee_minor, sale.net_minor) == (
        11000,
        1000,
        349,
        9651,
    )
    assert (reversal.kind, reversal.gross_minor, reversal.tax_minor) == ("refund", -11000, -1000)
    assert (reversal.fee_minor, reversal.net_minor) == (0, -10000)
    [payload] = refunds_published(published)
    assert payload == RefundCompleted(
        refund_id=refund.public_id,
        order_id=order.public_id,
        order_item_id=item.public_id,
        user_id=learner,
        course_id=item.course_id,
        content_creator_id=item.content_creator_id,
        enrollment_id=None,
        gross_amount=11000,
        tax_amount=1000,
        platform_fee=0,
        net_amount=10000,
        currency="USD",
        item_gross_amount=11000,
        item_net_amount=9651,
        item_fully_refunded=True,
        reason="staff",
        refunded_at=payload.refunded_at,
    )


def test_partial_refunds_move_the_order_to_partially_refunded_then_refunded(published):
    order, _ = buy(learner_id(), priced_item("60.00"), priced_item("40.00"))
    first, second = order.items.order_by("pk")

    refund_issue(order_item_id=first.public_id, amount=Money.parse("10.00", "USD"))
    assert Order.objects.get(pk=order.pk).state == "partially_refunded"
    refund_issue(order_item_id=first.public_id)  # what is left of it
    assert Order.objects.get(pk=order.pk).state == "partially_refunded"
    refund_issue(order_item_id=second.public_id)

    assert Order.objects.get(pk=order.pk).state == "refunded"
    assert [p.gross_amount for p in refunds_published(published)] == [1000, 5000, 4000]
    assert OrderItem.objects.get(pk=first.pk).refunded_minor == 6000
    # Entries are never edited: the sale entries are untouched, refunds are new lines.
    assert RevenueLedgerEntry.objects.filter(kind="sale").count() == 2
    assert RevenueLedgerEntry.objects.filter(kind="refund").count() == 3


@pytest.mark.parametrize(
    ("amount", "field", "message"),
    [
        (Money.parse("200.01", "USD"), "amount", "at most"),
        (Money(0, "USD"), "amount", "more than zero"),
        (Money(100, "EUR"), "amount", "must be in USD"),
    ],
)
def test_a_refund_that_cannot_be_made_is_refused_and_nothing_written(amount, field, message):
    order, _ = buy(learner_id(), priced_item("200.00"))
    with pytest.raises(ApplicationError, match=message) as refused:
        refund_issue(order_item_id=order.items.get().public_id, amount=amount)
    assert refused.value.field == field
    assert not Refund.objects.exists()
    assert RevenueLedgerEntry.objects.count() == 1


def test_an_unpaid_order_cannot_be_refunded():
    order, _ = buy(learner_id(), priced_item(), outcome="declined")
    with pytest.raises(ApplicationError, match="only a paid order"):
        refund_issue(order_item_id=order.items.get().public_id)


def test_a_learner_gets_a_refund_inside_the_window_and_not_after():
    learner = learner_id()
    order, _ = buy(learner, priced_item(), priced_item())
    inside, outside = order.items.order_by("pk")

    refund = refund_request(
        customer_id=learner, order_item_id=inside.public_id, reason="not for me"
    )
    assert (refund.state, refund.origin, refund.amount_minor) == ("succeeded", "learner", 19900)

    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=31))
    with pytest.raises(ApplicationError, match="refund window closed"):
        refund_request(customer_id=learner, order_item_id=outside.public_id)
    with pytest.raises(ApplicationError) as not_theirs:
        refund_request(customer_id=learner_id(), order_item_id=outside.public_id)
    assert not_theirs.value.status_code == 404


def test_an_enrollment_the_lms_refused_to_make_refunds_the_item_once_without_an_enrollment_id(
    published, django_capture_on_commit_callbacks
):
    order, _ = buy(learner_id(email="rory@example.com"), priced_item("80.00"))
    item = order.items.get()

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            result = api.order_item_enrollment_rejected(
                order_item_id=item.public_id,
                enrollment_id="",
                reason="the LMS refused the enrollment (courseId: the course is archived)",
            )

    assert (result.fulfilment, result.refunded_amount) == ("rejected", 8000)
    assert OrderItem.objects.get(pk=item.pk).enrollment_id == ""
    [refunded] = refunds_published(published)
    assert (refunded.reason, refunded.enrollment_id) == (REFUND_FOR_REFUSED_ENROLLMENT, None)
    assert Refund.objects.get().origin == Refund.Origin.ENROLLMENT_REJECTED
    [told] = mail.outbox
    assert "the course is archived" in told.body


def test_an_approved_enrollment_fulfils_the_item_once():
    order, _ = buy(learner_id(), priced_item())
    item = order.items.get()

    first = api.order_item_enrollment_approved(order_item_id=item.public_id, enrollment_id="enr_1")
    again = api.order_item_enrollment_approved(order_item_id=item.public_id, enrollment_id="enr_1")

    assert first == again
    assert first.fulfilment == "approved"
    assert OrderItem.objects.get(pk=item.pk).enrollment_id == "enr_1"


def test_a_rejected_enrollment_refunds_the_item_once_and_tells_the_learner_why(
    published, django_capture_on_commit_callbacks
):
    learner = learner_id(email="lena@example.com")
    order, _ = buy(learner, priced_item("80.00"))
    item = order.items.get()

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            result = api.order_item_enrollment_rejected(
                order_item_id=item.public_id, enrollment_id="enr_9", reason="Prerequisites missing"
            )

    assert result.fulfilment == "rejected"
    refund = Refund.objects.get()
    assert (refund.origin, refund.state, refund.amount_minor) == (
        "enrollment_rejected",
        "succeeded",
        8000,
    )
    assert Order.objects.get(pk=order.pk).state == "refunded"
    assert len(refunds_published(published)) == 1
    assert len(mail.outbox) == 1
    assert "Prerequisites missing" in mail.outbox[0].body
    assert OrderItem.objects.get(pk=item.pk).fulfilment_note == "Prerequisites missing"
    # An approval arriving after the rejection changes nothing.
    late = api.order_item_enrollment_approved(order_item_id=item.public_id, enrollment_id="enr_9")
    assert late.fulfilment == "rejected"


def test_a_rejected_item_is_no_longer_held_so_it_can_be_bought_again():
    learner = learner_id()
    item = priced_item()
    order, _ = buy(learner, item)
    api.order_item_enrollment_rejected(
        order_item_id=order.items.get().public_id, enrollment_id="enr_1", reason="Full"
    )
    again, _ = buy(learner, item)
    assert again.state == "paid"


def test_the_ledger_summed_per_item_nets_sales_against_refunds():
    order, _ = buy(learner_id(), priced_item("100.00"), priced_item("50.00"))
    first, second = order.items.order_by("pk")
    refund_issue(order_item_id=first.public_id, amount=Money.parse("40.00", "USD"))

    totals = {row.order_item_id: row for row in api.revenue_by_order_item()}

    assert totals[first.public_id].gross_amount == 10000 - 4000
    assert totals[first.public_id].refunded_amount == 4000
    assert totals[second.public_id].refunded_amount == 0
    assert totals[first.public_id].net_amount == 10000 - first_fee(first) - 4000
    assert totals[second.public_id].gross_amount == 5000
    for row in totals.values():
        assert row.gross_amount - row.tax_amount - row.platform_fee == row.net_amount


def first_fee(item):
    return OrderItem.objects.get(pk=item.pk).fee_minor
