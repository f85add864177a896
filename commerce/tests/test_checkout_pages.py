"""The checkout and cart pages around the services: places, failures, the back button, messages."""

import pytest
from django.urls import reverse

from commerce.models import Order
from commerce.places import country_choices, region_choices
from commerce.tests.factories import CouponFactory, TaxRateFactory, priced_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def lena(django_user_model):
    return django_user_model.objects.create_user(username="lena", password="pw", first_name="Lena")


@pytest.fixture
def in_cart_of(client):
    def put(user, *items):
        client.force_login(user)
        for item in items:
            client.post(reverse("commerce:cart-add"), {"catalog_item_id": item.public_id})

    return put


def test_the_country_is_chosen_from_the_iso_list():
    codes = dict(country_choices())
    assert len(codes) == 249
    assert codes["DE"] == "Germany" and codes["US"] == "United States"
    assert dict(region_choices("US"))["CA"] == "California"
    assert dict(region_choices("CA"))["QC"] == "Quebec"


def test_only_countries_whose_tax_depends_on_it_ask_for_a_region(client, lena, in_cart_of):
    in_cart_of(lena, priced_item("100.00"))
    page = client.get("/checkout/").content.decode()
    assert '<option value="DE">Germany</option>' in page
    assert 'name="billing_region"' not in page  # no regional rate: nothing to ask

    TaxRateFactory(country="US", region="CA", percent="7.2500")
    page = client.get("/checkout/").content.decode()
    assert '<optgroup label="United States">' in page and ">California</option>" in page
    assert "Needed in United States: tax depends on it." in page


def test_a_region_is_required_where_the_tax_depends_on_it(client, lena, in_cart_of):
    TaxRateFactory(country="US", region="CA", percent="7.2500")
    in_cart_of(lena, priced_item("100.00"))

    missing = client.post("/checkout/", {"billing_country": "US", "action": "pay"})
    assert missing.status_code == 400
    assert "Choose your state or region in United States." in missing.content.decode()
    wrong = client.post(
        "/checkout/", {"billing_country": "US", "billing_region": "QC", "action": "pay"}
    )
    assert wrong.status_code == 400 and "QC is not one of the available" in wrong.content.decode()
    assert not Order.objects.exists()

    quote = client.post(
        "/checkout/", {"billing_country": "US", "billing_region": "CA", "action": "apply"}
    )
    assert "$7.25" in quote.content.decode()
    elsewhere = client.post(
        "/checkout/", {"billing_country": "DE", "billing_region": "CA", "action": "apply"}
    )
    assert elsewhere.status_code == 200  # Germany's tax does not depend on it: ignored


def test_a_failed_payment_keeps_the_address_and_coupon_and_offers_to_try_again(
    client, lena, in_cart_of
):
    TaxRateFactory(country="US", region="NY", percent="4.0000")
    CouponFactory(code="TEN")
    in_cart_of(lena, priced_item("100.00"))
    entered = {"billing_country": "US", "billing_region": "NY", "coupon_code": "TEN"}

    failed = client.post("/checkout/", {**entered, "outcome": "declined", "action": "pay"})

    order_page = client.get(failed.url).content.decode()
    assert "Your card was declined." in order_page and "Try again" in order_page
    assert f'href="{reverse("commerce:checkout")}">Try again</a>' in order_page
    again = client.get("/checkout/").content.decode()
    assert '<option value="NY" selected>New York</option>' in again
    assert 'value="TEN"' in again
    paid = client.post("/checkout/", {**entered, "outcome": "succeeds", "action": "pay"})
    assert Order.objects.get(public_id=paid.url.split("/")[-2]).state == "paid"


def test_back_after_paying_shows_the_order_never_a_pay_button(client, lena, in_cart_of):
    in_cart_of(lena, priced_item("100.00"))
    paid = client.post("/checkout/", {"billing_country": "US", "action": "pay"})

    back = client.get("/checkout/")
    assert back.status_code == 302 and back.url == paid.url
    resubmitted = client.post("/checkout/", {"billing_country": "US", "action": "pay"})
    assert resubmitted.status_code == 302 and resubmitted.url == paid.url
    assert "Your payment went through" in client.get(paid.url).content.decode()
    assert Order.objects.count() == 1


def test_an_empty_cart_shows_no_pay_button(client, lena):
    client.force_login(lena)
    page = client.get("/checkout/")
    assert page.status_code == 200
    assert "Your cart is empty." in page.content.decode()
    assert 'value="pay"' not in page.content.decode()


def test_every_cart_action_says_what_happened(client):
    item = priced_item("10.00")
    add = {"catalog_item_id": item.public_id}

    added = client.post(reverse("commerce:cart-add"), add, follow=True).content.decode()
    assert "Added to your cart." in added
    again = client.post(reverse("commerce:cart-add"), add, follow=True).content.decode()
    assert "This course is already in your cart." in again
    removed = client.post(reverse("commerce:cart-remove"), add, follow=True).content.decode()
    assert "Removed from your cart." in removed
    gone = client.post(reverse("commerce:cart-remove"), add, follow=True).content.decode()
    assert "Is not in the cart." in gone or "is not in the cart" in gone


def test_a_refund_asks_for_a_reason_and_confirms_the_amount(client, lena, in_cart_of):
    in_cart_of(lena, priced_item("30.00"))
    paid = client.post("/checkout/", {"billing_country": "US", "action": "pay"})
    item = Order.objects.get(public_id=paid.url.split("/")[-2]).items.get()
    url = reverse("commerce:refund-request", args=[item.public_id])

    form = client.get(url).content.decode()
    assert "Yes, refund $30.00" in form and "Keep the course" in form
    assert "you lose access to the course" in form

    refused = client.post(url, {"details": "no reason chosen"})
    assert refused.status_code == 400 and "Choose a reason." in refused.content.decode()
    assert not item.refunds.exists()
