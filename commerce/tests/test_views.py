import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from commerce import api
from commerce.models import Order
from commerce.tests.factories import CouponFactory, TaxRateFactory, buy, in_cart, priced_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def lena(django_user_model):
    return django_user_model.objects.create_user(username="lena", password="pw", first_name="Lena")


def test_the_catalog_lists_courses_with_their_prices_and_creators(client):
    api.commerce_user_upsert(user_id="usr_chloe", name="Chloe Creator")
    priced_item("199.00", title="Django for Payments")
    priced_item("20.00", title="Cheap tricks", content_creator_id="usr_chloe")

    page = client.get("/catalog/", {"max_price": "100"}).content.decode()

    assert "Cheap tricks" in page and "$20.00" in page and "by Chloe Creator" in page
    assert "Django for Payments" not in page
    by_chloe = client.get("/catalog/", {"creator": "usr_chloe"}).content.decode()
    assert "Cheap tricks" in by_chloe and "Django for Payments" not in by_chloe


@pytest.mark.parametrize("count", [1, 30])
def test_the_cart_and_receipt_pages_take_a_fixed_number_of_queries(
    client, lena, django_assert_num_queries, count
):
    items = [priced_item() for _ in range(count)]
    order, _ = buy(lena.public_id, *items)
    for _ in range(count):
        in_cart(lena.public_id, priced_item())
    client.force_login(lena)
    with django_assert_num_queries(5):
        assert client.get("/cart/").status_code == 200
    with django_assert_num_queries(6):
        page = client.get(reverse("commerce:order", args=[order.public_id])).content.decode()
    assert page.count("Request a refund") == count


def test_a_bad_price_filter_is_reported_not_crashed(client):
    response = client.get("/catalog/", {"min_price": "abc"})
    assert response.status_code == 400
    assert "is not a decimal number" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "reason"),
    [("1e1000000", "out of range"), ("1e500000", "out of range"),
     ("1000000000.01", "out of range"), ("1.001", "2 decimal places"), ("-1", "negative"),
     ("NaN", "decimal number"), ("Infinity", "decimal number")],
)  # fmt: skip
def test_a_price_filter_out_of_range_is_a_400_naming_the_field(client, value, reason):
    priced_item("20.00", title="Cheap tricks")

    response = client.get("/catalog/", {"min_price": value})

    assert response.status_code == 400
    assert reason in " ".join(response.context["form"].errors["min_price"])
    page = response.content.decode()
    assert reason in page
    assert "Cheap tricks" in page  # the filter is dropped, the catalog still shows


@pytest.mark.parametrize("count", [1, 30])
def test_the_catalog_page_takes_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    for _ in range(count):
        priced_item()
    # The items with their course and price in one query (no prefetch of the prices).
    with django_assert_num_queries(3):
        assert client.get("/catalog/").status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_order_history_takes_a_fixed_number_of_queries(
    client, lena, django_assert_num_queries, count
):
    for _ in range(count):
        buy(lena.public_id, priced_item())
    client.force_login(lena)
    with django_assert_num_queries(4):
        page = client.get("/orders/").content.decode()
    assert page.count("badge paid") == count


def test_an_anonymous_cart_follows_the_visitor_through_login(client, lena):
    item = priced_item("42.00", title="Carry me")
    client.post(reverse("commerce:cart-add"), {"catalog_item_id": item.public_id})
    assert "Carry me" in client.get("/cart/").content.decode()

    client.post("/accounts/login/", {"username": "lena", "password": "pw"})

    page = client.get("/cart/").content.decode()
    assert "Carry me" in page and "$42.00" in page


def test_checkout_applies_a_coupon_and_pays_with_the_test_processor(client, lena):
    item = priced_item("100.00")
    CouponFactory(code="TEN")
    client.force_login(lena)
    client.post(reverse("commerce:cart-add"), {"catalog_item_id": item.public_id})

    quote = client.post(
        "/checkout/", {"billing_country": "US", "coupon_code": "TEN", "action": "apply"}
    ).content.decode()
    assert "-$10.00" in quote and "$90.00" in quote
    # Test-mode outcomes instead of a card form: nothing on the page asks for card details.
    assert 'value="declined"' in quote and 'value="requires_authentication"' in quote
    for card_field in ("card", "cc-number", "cvc", "expiry"):
        assert f'name="{card_field}' not in quote.lower()
        assert f'autocomplete="{card_field}' not in quote.lower()

    response = client.post(
        "/checkout/",
        {"billing_country": "US", "coupon_code": "TEN", "outcome": "succeeds", "action": "pay"},
    )
    order = Order.objects.get()
    assert response.url == reverse("commerce:order", args=[order.public_id])
    assert order.state == "paid" and order.total_minor == 9000
    receipt = client.get(response.url).content.decode()
    assert "your order is confirmed" in receipt and "$90.00" in receipt


def test_the_receipt_shows_the_tax_rate_charged(client, lena):
    TaxRateFactory(country="US", region="CA", percent="7.2500")
    order, _ = buy(lena.public_id, priced_item("100.00"), region="CA")
    client.force_login(lena)
    receipt = client.get(reverse("commerce:order", args=[order.public_id])).content.decode()
    assert "$7.25 <span" in receipt and "(7.25%)" in receipt and "Billed to US-CA" in receipt


def test_checkout_shows_why_a_coupon_is_refused(client, lena):
    item = priced_item()
    client.force_login(lena)
    client.post(reverse("commerce:cart-add"), {"catalog_item_id": item.public_id})
    response = client.post(
        "/checkout/", {"billing_country": "US", "coupon_code": "NOPE", "action": "pay"}
    )
    assert response.status_code == 400
    assert "not a valid coupon" in response.content.decode()
    assert not Order.objects.exists()


def test_someone_elses_order_is_not_found(client, lena, django_user_model):
    order, _ = buy(lena.public_id, priced_item())
    other = django_user_model.objects.create_user(username="mo", password="pw")
    client.force_login(other)
    assert client.get(reverse("commerce:order", args=[order.public_id])).status_code == 404


def test_a_learner_requests_a_refund_from_the_receipt(client, lena):
    order, _ = buy(lena.public_id, priced_item("30.00"))
    item = order.items.get()
    client.force_login(lena)

    response = client.post(
        reverse("commerce:refund-request", args=[item.public_id]),
        {"reason": "Bought by mistake", "details": "two tabs"},
    )

    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).state == "refunded"
    assert item.refunds.get().reason == "Bought by mistake: two tabs"
    assert "Refunded $30.00" in client.get(response.url).content.decode()


def test_a_pending_order_offers_authentication_and_can_be_cancelled(client, lena):
    order, payment = buy(lena.public_id, priced_item(), outcome="requires_authentication")
    client.force_login(lena)
    receipt = client.get(reverse("commerce:order", args=[order.public_id])).content.decode()
    assert reverse("commerce:authenticate", args=[payment.public_id]) in receipt

    client.post(reverse("commerce:order-cancel", args=[order.public_id]))

    assert Order.objects.get().state == "cancelled"
    assert (
        "Nothing was charged"
        in client.get(reverse("commerce:order", args=[order.public_id])).content.decode()
    )


def test_authentication_completes_a_payment_from_its_page(client, lena):
    order, payment = buy(lena.public_id, priced_item(), outcome="requires_authentication")
    client.force_login(lena)
    response = client.post(
        reverse("commerce:authenticate", args=[payment.public_id]), {"outcome": "authenticated"}
    )
    assert response.url == reverse("commerce:order", args=[order.public_id])
    assert Order.objects.get().state == "paid"


def test_a_paid_order_has_a_pdf_receipt(client, lena):
    CouponFactory(code="TEN")
    order, _ = buy(lena.public_id, priced_item("100.00", title="PDF Course"), coupon="TEN")
    client.force_login(lena)

    response = client.get(reverse("commerce:receipt-pdf", args=[order.public_id]))

    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert order.public_id in text and "PDF Course" in text
    assert "$90.00" in text and "TEN" in text


def test_a_failed_order_has_no_receipt(client, lena):
    order, _ = buy(lena.public_id, priced_item(), outcome="declined")
    client.force_login(lena)
    assert client.get(reverse("commerce:receipt-pdf", args=[order.public_id])).status_code == 404
