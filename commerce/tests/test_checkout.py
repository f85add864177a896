from decimal import Decimal

import pytest
from django.utils import timezone

from cadence.kernel.errors import ApplicationError
from commerce.data import PaymentCompleted
from commerce.models import Order, OrderItem, Payment, RevenueLedgerEntry, TaxRecord
from commerce.services import (
    checkout_start,
    order_cancel,
    payment_confirm,
    payment_record_success,
)
from commerce.tests.factories import (
    CouponFactory,
    TaxRateFactory,
    buy,
    in_cart,
    learner_id,
    priced_item,
)

pytestmark = pytest.mark.django_db

PAID = "cadence.commerce.order.paid.v1"


def test_the_specs_199_dollar_purchase_has_a_fee_of_6_07_and_a_net_of_192_93(published):
    learner = learner_id()
    item = priced_item("199.00")

    order, payment = buy(learner, item)

    assert order.state == Order.State.PAID
    assert payment.state == Payment.State.SUCCEEDED and payment.fee_minor == 607
    entry = RevenueLedgerEntry.objects.get()
    assert (entry.kind, entry.gross_minor, entry.tax_minor) == ("sale", 19900, 0)
    assert (entry.fee_minor, entry.net_minor, entry.currency) == (607, 19293, "USD")
    [(event_type, paid)] = published
    assert event_type == PAID
    assert (paid.order_id, paid.user_id, paid.currency) == (order.public_id, learner, "USD")
    assert paid.paid_at == order.paid_at and len(paid.item_event_ids) == 1
    [payload] = paid.items
    oi = OrderItem.objects.get()
    assert payload == PaymentCompleted(
        order_id=order.public_id,
        order_item_id=oi.public_id,
        user_id=learner,
        course_id=item.course.lms_course_id,
        content_creator_id=item.course.content_creator_id,
        instructor_id=None,
        auto_approve=True,
        gross_amount=19900,
        discount_amount=0,
        tax_amount=0,
        platform_fee=607,
        net_amount=19293,
        currency="USD",
        paid_at=order.paid_at,
        purchase_metadata=payload.purchase_metadata,
    )
    assert payload.purchase_metadata.amount == 19900
    assert payload.purchase_metadata.purchase_date == order.paid_at


def test_a_coupon_and_tax_are_snapshotted_per_item_and_add_up_to_the_order(published):
    learner = learner_id()
    first, second, third = priced_item("100.00"), priced_item("50.00"), priced_item("33.33")
    CouponFactory(
        code="TENOFF", kind="fixed", percent_off=None, amount_off_minor=1000, currency="USD"
    )
    TaxRateFactory(country="US", region="CA", percent=Decimal("7.25"))

    order, _ = buy(learner, first, second, third, coupon="tenoff", region="ca")

    items = list(order.items.order_by("price_minor"))
    assert [i.price_minor for i in items] == [3333, 5000, 10000]
    # $10 off split 33.33 : 50 : 100 by largest remainder.
    assert [i.discount_minor for i in items] == [182, 273, 545]
    assert [i.tax_minor for i in items] == [228, 343, 685]  # 7.25% of each item, rounded per item
    assert order.discount_minor == 1000 and order.tax_minor == 228 + 343 + 685
    assert order.total_minor == 18333 - 1000 + 1256 == sum(i.total_minor for i in items)
    assert order.coupon_code == "TENOFF" and (order.billing_country, order.billing_region) == (
        "US",
        "CA",
    )
    records = TaxRecord.objects.order_by("taxable_minor")
    assert [r.taxable_minor for r in records] == [3151, 4727, 9455]
    assert {r.rate_name for r in records} == {"California sales tax"}
    # The fee is on what was charged and splits across the items exactly.
    payment = order.payments.get()
    assert payment.fee_minor == 30 + round(Decimal(order.total_minor) * Decimal("0.029"))
    assert sum(OrderItem.objects.values_list("fee_minor", flat=True)) == payment.fee_minor
    for entry in RevenueLedgerEntry.objects.all():
        assert entry.gross_minor - entry.tax_minor - entry.fee_minor == entry.net_minor
    [(_, paid)] = published  # one event for the whole order, its items in it
    assert [p.gross_amount for p in paid.items] == [i.total_minor for i in order.items.all()]
    assert len(set(paid.item_event_ids)) == 3


def test_a_declined_payment_leaves_the_order_failed_and_nothing_charged(published):
    learner = learner_id()
    item = priced_item("49.00")

    order, payment = buy(learner, item, outcome="declined")

    assert order.state == Order.State.FAILED
    assert payment.state == Payment.State.FAILED and payment.failure_code == "card_declined"
    assert payment.fee_minor is None
    assert not RevenueLedgerEntry.objects.exists() and published == []
    # The cart is kept so that the learner can try again.
    started = checkout_start(customer_id=learner, billing_country="US", processor_name="test")
    assert started.order.items.get().catalog_item == item


def test_insufficient_funds_fails_the_order():
    order, payment = buy(learner_id(), priced_item(), outcome="insufficient_funds")
    assert order.state == "failed" and payment.failure_code == "insufficient_funds"


def test_a_payment_that_requires_authentication_is_paid_once_authenticated(published):
    learner = learner_id()
    order, payment = buy(learner, priced_item(), outcome="requires_authentication")
    assert (order.state, payment.state) == ("pending", "requires_action")

    with pytest.raises(ApplicationError) as refused:
        payment_confirm(payment_id=payment.public_id, customer_id=learner, outcome="succeeds")
    assert refused.value.field == "outcome"
    payment_confirm(payment_id=payment.public_id, customer_id=learner, outcome="authenticated")

    assert Order.objects.get(pk=order.pk).state == "paid"
    assert len(published) == 1


def test_failed_authentication_fails_the_order():
    learner = learner_id()
    order, payment = buy(learner, priced_item(), outcome="requires_authentication")
    payment_confirm(
        payment_id=payment.public_id, customer_id=learner, outcome="authentication_failed"
    )
    assert Order.objects.get(pk=order.pk).state == "failed"


def test_recording_a_success_twice_writes_one_ledger_entry_and_one_event(published):
    _, payment = buy(learner_id(), priced_item())

    again = payment_record_success(payment_id=payment.public_id, fee=None)

    assert again.state == "succeeded"
    assert RevenueLedgerEntry.objects.count() == 1 and len(published) == 1


def test_a_learner_cannot_buy_a_course_they_already_hold():
    learner = learner_id()
    item = priced_item()
    buy(learner, item)

    with pytest.raises(ApplicationError, match="already have"):
        in_cart(learner, item)


def test_the_same_course_in_two_pending_checkouts_cannot_both_be_held():
    learner = learner_id()
    item = priced_item()
    in_cart(learner, item)
    first = checkout_start(customer_id=learner, billing_country="US", processor_name="test")
    second = checkout_start(customer_id=learner, billing_country="US", processor_name="test")
    payment_confirm(payment_id=first.payment.public_id, customer_id=learner, outcome="succeeds")

    with pytest.raises(ApplicationError, match="already have"):
        payment_confirm(
            payment_id=second.payment.public_id, customer_id=learner, outcome="succeeds"
        )

    assert Order.objects.get(pk=second.order.pk).state == "cancelled"
    assert Payment.objects.get(pk=second.payment.pk).state == "cancelled"
    assert RevenueLedgerEntry.objects.count() == 1


def test_a_learner_can_cancel_a_pending_order_but_not_a_paid_one():
    learner = learner_id()
    in_cart(learner, priced_item())
    pending = checkout_start(customer_id=learner, billing_country="US", processor_name="test")
    order_cancel(order_id=pending.order.public_id, customer_id=learner)
    assert Order.objects.get(pk=pending.order.pk).state == "cancelled"

    paid, _ = buy(learner, priced_item())
    with pytest.raises(ApplicationError, match="paid order cannot be cancelled"):
        order_cancel(order_id=paid.public_id, customer_id=learner)


@pytest.mark.parametrize(
    ("country", "region", "field"),
    [("USA", "", "billingCountry"), ("", "", "billingCountry"), ("US", "C A", "billingRegion")],
)
def test_a_malformed_billing_address_is_refused_and_nothing_written(country, region, field):
    learner = learner_id()
    in_cart(learner, priced_item())

    with pytest.raises(ApplicationError) as refused:
        checkout_start(customer_id=learner, billing_country=country, billing_region=region)

    assert refused.value.field == field
    assert not Order.objects.exists() and not Payment.objects.exists()


def test_an_empty_cart_cannot_be_checked_out():
    with pytest.raises(ApplicationError, match="cart is empty"):
        checkout_start(customer_id=learner_id(), billing_country="US")


@pytest.mark.parametrize(
    ("coupon", "message"),
    [
        ({"expires_at": timezone.now() - timezone.timedelta(days=1)}, "has expired"),
        ({"valid_from": timezone.now() + timezone.timedelta(days=1)}, "cannot be used yet"),
        ({"is_active": False}, "not a valid coupon"),
        (
            {"kind": "fixed", "percent_off": None, "amount_off_minor": 500, "currency": "EUR"},
            "EUR orders only",
        ),
    ],
)
def test_an_unusable_coupon_is_refused_with_the_reason(coupon, message):
    learner = learner_id()
    in_cart(learner, priced_item())
    CouponFactory(code="NOPE", **coupon)

    with pytest.raises(ApplicationError, match=message) as refused:
        checkout_start(customer_id=learner, billing_country="US", coupon_code="NOPE")
    assert refused.value.field == "couponCode"
    assert not Order.objects.exists()


def test_a_coupon_for_one_course_discounts_only_that_course():
    learner = learner_id()
    target, other = priced_item("80.00"), priced_item("20.00")
    CouponFactory(code="HALF", percent_off=Decimal("50"), item=target)

    order, _ = buy(learner, target, other, coupon="HALF")

    discounts = {i.catalog_item_id: i.discount_minor for i in order.items.all()}
    assert discounts == {target.pk: 4000, other.pk: 0}


def test_a_coupon_for_a_course_not_in_the_cart_is_refused():
    learner = learner_id()
    in_cart(learner, priced_item())
    CouponFactory(code="ELSEWHERE", item=priced_item())
    with pytest.raises(ApplicationError, match="does not apply"):
        checkout_start(customer_id=learner, billing_country="US", coupon_code="ELSEWHERE")


def test_coupon_use_limits_hold_in_total_and_per_learner():
    CouponFactory(code="ONCE", max_uses=2, max_uses_per_customer=1)
    ada, bo, cy = learner_id("ada"), learner_id("bo"), learner_id("cy")
    buy(ada, priced_item(), coupon="ONCE")

    with pytest.raises(ApplicationError, match="already used"):
        buy(ada, priced_item(), coupon="ONCE")
    buy(bo, priced_item(), coupon="ONCE")
    with pytest.raises(ApplicationError, match="used up"):
        buy(cy, priced_item(), coupon="ONCE")


def test_a_failed_order_gives_its_coupon_use_back():
    CouponFactory(code="ONE", max_uses=1)
    learner = learner_id()
    buy(learner, priced_item(), coupon="ONE", outcome="declined")
    order, _ = buy(learner, priced_item(), coupon="ONE")
    assert order.state == "paid"


def test_a_full_discount_is_paid_without_a_processor_and_without_a_fee(published):
    CouponFactory(code="FREE", percent_off=Decimal("100"))
    learner = learner_id()
    in_cart(learner, priced_item("30.00"))

    started = checkout_start(customer_id=learner, billing_country="US", coupon_code="FREE")

    assert started.order.state == "paid" and started.order.total_minor == 0
    assert started.payment.processor == "none" and started.payment.fee_minor == 0
    assert published[0][1].items[0].net_amount == 0


def test_a_seat_cap_stops_sales_when_the_course_is_full():
    item = priced_item(seat_cap=1)
    buy(learner_id("first"), item)
    with pytest.raises(ApplicationError, match="sold out"):
        buy(learner_id("second"), item)


def test_a_course_outside_its_availability_window_cannot_be_bought():
    item = priced_item(available_until=timezone.now() - timezone.timedelta(minutes=1))
    learner = learner_id()
    in_cart(learner, item)
    with pytest.raises(ApplicationError, match="no longer on sale"):
        checkout_start(customer_id=learner, billing_country="US")


def test_a_sale_price_inside_its_window_is_what_the_learner_pays():
    item = priced_item("100.00", sale="75.00")
    order, _ = buy(learner_id(), item)
    assert order.subtotal_minor == 7500


def test_buying_empties_the_cart_of_what_was_bought_only():
    learner = learner_id()
    bought, kept = priced_item(), priced_item()
    in_cart(learner, kept)
    buy(learner, bought)
    # ``buy`` checks out the whole cart; both were bought, so the cart is empty.
    from commerce.selectors import cart_view

    assert cart_view(customer_id=learner, session_key=None).lines == []


def test_someone_else_cannot_confirm_a_learners_payment():
    learner = learner_id()
    in_cart(learner, priced_item())
    started = checkout_start(customer_id=learner, billing_country="US", processor_name="test")
    with pytest.raises(ApplicationError) as refused:
        payment_confirm(
            payment_id=started.payment.public_id, customer_id=learner_id(), outcome="succeeds"
        )
    assert refused.value.status_code == 404
