"""A charge is free or at least the least a processor charges in its currency, and never all fee.

The test processor's fee schedule has its fixed part in each currency's own money, and the minimum
charge in force is the processor's published minimum, raised where the schedule would otherwise
leave nothing of a sale.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from cadence.kernel.errors import ApplicationError
from cadence.kernel.money import CURRENCY_EXPONENTS, Money
from commerce import conf
from commerce.models import Order, Payment, RevenueLedgerEntry
from commerce.pricing import least_amount_the_fee_leaves_something_of, schedule_fee
from commerce.processors.test import TestProcessor
from commerce.services import cart_currency_set, checkout_quote, checkout_start
from commerce.tests.factories import CouponFactory, buy, in_cart, learner_id, priced_item

FEE_PERCENTS = st.decimals(min_value=Decimal("0"), max_value=Decimal("60"), places=2)


@given(
    percent=FEE_PERCENTS,
    fixed_minor=st.integers(min_value=0, max_value=100_000),
    code=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
)
def test_the_least_amount_a_fee_leaves_something_of_is_exactly_that(percent, fixed_minor, code):
    least = least_amount_the_fee_leaves_something_of(code, percent=percent, fixed_minor=fixed_minor)

    def left(minor: int) -> int:
        amount = Money(minor, code)
        return (amount - schedule_fee(amount, percent=percent, fixed_minor=fixed_minor)).minor

    assert least.currency == code
    assert left(least.minor) > 0
    assert least.minor == 1 or left(least.minor - 1) <= 0


def test_every_currency_has_a_minimum_charge_that_leaves_something_after_the_fee():
    for code in CURRENCY_EXPONENTS:
        minimum = conf.minimum_charge(code)

        assert minimum.minor > 0
        assert (minimum - TestProcessor().fee(minimum)).minor > 0, code


@pytest.mark.parametrize(
    ("code", "minimum"),
    [("USD", "$0.50"), ("EUR", "€0.50"), ("GBP", "£0.30"), ("JPY", "¥50"), ("BHD", "0.200 BHD")],
)
def test_the_minimum_charge_is_the_processors_published_one(code, minimum):
    assert conf.minimum_charge(code).format() == minimum


def test_a_published_minimum_the_fee_would_swallow_is_raised_to_what_the_fee_leaves_something_of(
    settings,
):
    settings.COMMERCE_MINIMUM_CHARGE = settings.COMMERCE_MINIMUM_CHARGE | {"USD": "0.01"}

    # 2.9 % + 30¢: at 31¢ the fee is 31¢; at 32¢ it is 31¢ and a cent is left.
    assert conf.minimum_charge("USD") == Money(32, "USD")
    # Rupees: Stripe publishes INR 0.50, yet the fixed part alone is INR 25.00.
    assert conf.minimum_charge("INR") == Money(2576, "INR")


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        (Money(19900, "USD"), Money(607, "USD")),  # the spec's 2.9 % + $0.30
        (Money(1000, "JPY"), Money(74, "JPY")),  # ¥29 + ¥45, not ¥30 as if yen were cents
        (Money(10_000, "BHD"), Money(390, "BHD")),  # 0.290 + 0.100 BHD, not 0.030 BHD
        (Money(1000, "GBP"), Money(49, "GBP")),  # 29p + 20p
    ],
)
def test_the_test_processors_fixed_fee_is_in_the_charges_own_currency(amount, fee):
    assert TestProcessor().fee(amount) == fee


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("price", "code", "minimum"),
    [("0.30", "USD", "$0.50"), ("30", "JPY", "¥50"), ("0.150", "BHD", "0.200 BHD")],
)
def test_a_total_below_the_minimum_charge_is_refused_naming_it_and_nothing_is_written(
    price, code, minimum
):
    learner = learner_id()
    cart_currency_set(customer_id=learner, session_key=None, currency=code)
    in_cart(learner, priced_item(price, code))

    with pytest.raises(ApplicationError) as refused:
        checkout_start(customer_id=learner, billing_country="US")
    with pytest.raises(ApplicationError) as quoted:
        checkout_quote(customer_id=learner, billing_country="US")

    assert refused.value.field == quoted.value.field == "total"
    assert minimum in refused.value.message and minimum in quoted.value.message
    assert "least amount that can be charged" in refused.value.message
    assert not Order.objects.exists() and not Payment.objects.exists()


@pytest.mark.django_db
def test_a_coupon_that_takes_the_total_below_the_minimum_says_so():
    CouponFactory(code="NINETY", percent_off=Decimal("90"))
    learner = learner_id()
    in_cart(learner, priced_item("4.00"))

    with pytest.raises(ApplicationError, match=r"\$0.40 is below \$0.50.*leave out the coupon"):
        checkout_start(customer_id=learner, billing_country="US", coupon_code="NINETY")


@pytest.mark.django_db
def test_the_minimum_itself_is_charged_and_leaves_a_positive_net():
    order, payment = buy(learner_id(), priced_item("0.50"))

    assert order.state == "paid" and payment.fee_minor == 31
    assert RevenueLedgerEntry.objects.get(order_id=order.public_id).net_minor == 19


@pytest.mark.django_db
def test_a_zero_total_stays_free_whatever_the_minimum():
    CouponFactory(code="FREE", percent_off=Decimal("100"))
    learner = learner_id()
    in_cart(learner, priced_item("0.30"))

    started = checkout_start(customer_id=learner, billing_country="US", coupon_code="FREE")

    assert started.order.state == "paid" and started.order.total_minor == 0


@pytest.mark.django_db
def test_the_checkout_page_and_api_name_the_minimum(client, django_user_model):
    lena = django_user_model.objects.create_user(username="lena", password="pw")
    item = priced_item("0.30")
    client.force_login(lena)
    client.post(reverse("commerce:cart-add"), {"catalog_item_id": item.public_id})
    api = APIClient()
    api.force_authenticate(lena)

    page = client.post("/checkout/", {"billing_country": "US", "action": "pay"})
    answer = api.post("/api/v1/checkout/", {"billingCountry": "US"}, format="json")

    assert page.status_code == 400
    assert "below $0.50, the least amount that can be charged in USD" in page.content.decode()
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "total"
    assert "$0.50" in answer.json()["error"]["message"]
    assert not Order.objects.exists()
