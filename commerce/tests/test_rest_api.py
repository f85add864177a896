from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from cadence.kernel.money import Money
from commerce import selectors
from commerce.models import CatalogItem, Order, OrderItem, Refund
from commerce.rest_api.catalog import CatalogItemOutput
from commerce.rest_api.orders import OrderOutput
from commerce.services import catalog_item_price_set, checkout_start, refund_issue
from commerce.tests.factories import CouponFactory, TaxRateFactory, buy, in_cart, priced_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def lena(django_user_model):
    return django_user_model.objects.create_user(username="lena", password="pw")


@pytest.fixture
def api(lena):
    client = APIClient()
    client.force_authenticate(lena)
    return client


def test_the_catalog_is_public_and_shows_prices_as_decimal_strings():
    item = priced_item("199.00", title="Django for Payments", content_creator_id="usr_c")
    priced_item("20.00")

    body = APIClient().get("/api/v1/catalog/", {"maxPrice": "199", "minPrice": 100}).json()
    assert body["count"] == 1
    body = body["results"]

    assert [row["courseId"] for row in body] == [item.course.lms_course_id]
    assert body[0]["price"] == "199.00" and body[0]["currency"] == "USD"
    assert body[0]["contentCreatorId"] == "usr_c"
    detail = APIClient().get(f"/api/v1/catalog/{item.course.lms_course_id}/").json()
    assert detail["catalogItemId"] == item.public_id


@pytest.mark.parametrize("count", [1, 30])
def test_the_catalog_api_takes_a_fixed_number_of_queries(count, django_assert_num_queries):
    for _ in range(count):
        priced_item()
    # The page, each item with its course and price: a page that is not full needs no COUNT.
    with django_assert_num_queries(1):
        assert APIClient().get("/api/v1/catalog/").json()["count"] == count
    # A full page cannot tell how many rows there are: they are counted.
    with django_assert_num_queries(2 if count >= 10 else 1):
        body = APIClient().get("/api/v1/catalog/", {"limit": 10}).json()
    assert body["count"] == count and len(body["results"]) == min(count, 10)


def test_the_catalog_is_answered_without_reading_the_session(lena, django_assert_num_queries):
    priced_item()
    client = APIClient()
    client.force_login(lena)

    with django_assert_num_queries(1):  # the page: no session, no user
        assert client.get("/api/v1/catalog/").json()["count"] == 1


def serialized_catalog_item(item: CatalogItem, currency: str) -> dict:
    """The item as CatalogItemOutput shows it, its price in ``currency`` read as the detail does."""
    read = selectors.catalog_item_for_course(course_id=item.course.lms_course_id, currency=currency)
    return CatalogItemOutput(
        {"item": read, "price": selectors.current_price(read), "list": selectors.list_price(read)}
    ).data


@pytest.mark.parametrize("currency", ["USD", "JPY", "BHD"])
def test_the_catalog_answers_byte_for_byte_what_the_serializer_shows(currency):
    now = timezone.now()
    prices = {"USD": ("199.00", "149.99"), "JPY": ("2500", "1999"), "BHD": ("12.345", "9.999")}
    price, sale = prices[currency]
    items = [
        priced_item(price, currency, title="A: no sale, no cap, no end"),
        priced_item(price, currency, sale=sale, title="B: on sale now"),
        priced_item(price, currency, sale=sale, title="C: sale not started", seat_cap=0),
        priced_item(
            price,
            currency,
            sale=sale,
            title="D: sale over",
            seat_cap=25,
            available_until=now + timedelta(days=3, microseconds=7),
        ),
    ]
    items[2].prices.update(sale_starts_at=now + timedelta(days=1))
    items[3].prices.update(sale_starts_at=now - timedelta(days=9), sale_ends_at=now)
    items[3].course.__class__.objects.filter(pk=items[3].course.pk).update(
        thumbnail="https://img.example.com/d.png", description=""
    )

    response = APIClient().get("/api/v1/catalog/", {"currency": currency.lower()})

    assert response.status_code == 200
    body = response.json()
    assert [row["title"][0] for row in body["results"]] == ["A", "B", "C", "D"]
    assert [row["price"] == row["listPrice"] for row in body["results"]] == [
        True, False, True, True,
    ]  # fmt: skip
    expected = {
        "count": 4, "next": None, "previous": None,
        "results": [serialized_catalog_item(item, currency) for item in items],
    }  # fmt: skip
    assert response.content == JSONRenderer().render(expected)


def test_the_catalog_still_checks_a_token_and_the_csrf_of_an_unsafe_request(lena):
    refused = APIClient().get("/api/v1/catalog/", headers={"Authorization": "Bearer nonsense"})
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(lena)

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_not_valid"
    assert browser.post("/api/v1/catalog/", {}, format="json").status_code == 403


def test_a_price_filter_with_too_many_decimals_is_refused_naming_the_field():
    response = APIClient().get("/api/v1/catalog/", {"minPrice": "1.001"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "minPrice"


@pytest.mark.parametrize("field", ["minPrice", "maxPrice"])
@pytest.mark.parametrize("value", ["1e1000000", "1e500000", "-1e1000000", "1000000000.01"])
def test_a_price_filter_out_of_range_is_a_400_naming_the_field(field, value):
    response = APIClient().get("/api/v1/catalog/", {field: value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field and "out of range" in error["message"]


def test_cart_quote_checkout_and_confirm_through_the_api(api, lena):
    item = priced_item("100.00")
    CouponFactory(code="TEN")
    TaxRateFactory(country="US", region="NY", percent="8")

    cart = api.post("/api/v1/cart/items/", {"catalogItemId": item.public_id}, format="json")
    assert cart.status_code == 201 and cart.json()["subtotal"] == "100.00"
    address = {"billingCountry": "US", "billingRegion": "NY", "couponCode": "TEN"}
    quote = api.post("/api/v1/checkout/quote/", address, format="json").json()
    assert (quote["discount"], quote["tax"], quote["total"]) == ("10.00", "7.20", "97.20")

    started = api.post("/api/v1/checkout/", address, format="json")
    assert started.status_code == 201
    payment_id = started.json()["payment"]["paymentId"]
    confirmed = api.post(
        f"/api/v1/checkout/payments/{payment_id}/confirm/", {"outcome": "succeeds"}, format="json"
    ).json()

    assert confirmed["status"] == "succeeded" and confirmed["processorFee"] == "3.12"
    order = api.get(f"/api/v1/orders/{started.json()['orderId']}/").json()
    assert order["status"] == "paid" and order["total"] == "97.20"
    assert order["items"][0]["tax"] == "7.20"
    assert api.get("/api/v1/cart/").json()["items"] == []


def test_checkout_errors_name_the_field(api):
    response = api.post("/api/v1/checkout/", {"billingCountry": "US"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "your cart is empty",
        "field": "cart",
    }
    missing = api.post("/api/v1/checkout/", {}, format="json").json()["error"]
    assert missing["field"] == "billingCountry"


def test_customers_see_only_their_own_orders_and_payments(api, lena, django_user_model):
    mine, my_payment = buy(lena.public_id, priced_item())
    other = django_user_model.objects.create_user(username="mo", password="pw")
    theirs, their_payment = buy(other.public_id, priced_item())

    orders = api.get("/api/v1/orders/").json()["results"]
    payments = api.get("/api/v1/payments/").json()["results"]

    assert [o["orderId"] for o in orders] == [mine.public_id]
    assert [p["paymentId"] for p in payments] == [my_payment.public_id]
    assert api.get(f"/api/v1/orders/{theirs.public_id}/").status_code == 404
    assert api.get(f"/api/v1/payments/{their_payment.public_id}/").status_code == 404


def test_an_order_is_shown_with_its_items_in_one_query(api, lena, django_assert_num_queries):
    order, _payment = buy(lena.public_id, priced_item("25.00"), priced_item("30.00"))
    items = list(order.items.order_by("pk"))

    with django_assert_num_queries(1):
        body = api.get(f"/api/v1/orders/{order.public_id}/").json()

    assert body["orderId"] == order.public_id and body["total"] == "55.00"
    assert [item["orderItemId"] for item in body["items"]] == [i.public_id for i in items]
    assert [item["price"] for item in body["items"]] == ["25.00", "30.00"]


def test_an_order_without_items_is_shown_with_none(api, lena):
    # Checkout never makes one; the order is still shown, in a second query.
    empty = Order.objects.create(
        customer_id=lena.public_id, currency="USD", processor="test", billing_country="US",
        subtotal_minor=0, total_minor=0,
    )  # fmt: skip

    body = api.get(f"/api/v1/orders/{empty.public_id}/").json()

    assert body["orderId"] == empty.public_id and body["items"] == []


def serialized_order(order: Order) -> bytes:
    """The order as OrderOutput shows it, read as the order list reads it."""
    read = selectors.customer_orders(customer_id=order.customer_id).get(pk=order.pk)
    return JSONRenderer().render(OrderOutput(read).data)


def test_an_order_with_discount_tax_a_sale_price_and_a_refund_is_answered_as_serialized(api, lena):
    CouponFactory(code="TEN")
    TaxRateFactory(country="US", region="NY", percent="8.875")
    order, _payment = buy(
        lena.public_id,
        priced_item("25.00"),
        priced_item("30.00", sale="19.99"),
        priced_item("0.99"),
        coupon="TEN",
        region="NY",
    )
    first = order.items.order_by("pk").first()
    refund_issue(order_item_id=first.public_id, amount=Money.parse("5.01", "USD"))
    order.refresh_from_db()
    assert order.state == Order.State.PARTIALLY_REFUNDED and order.discount_minor > 0

    response = api.get(f"/api/v1/orders/{order.public_id}/")

    assert response.status_code == 200
    assert response.content == serialized_order(order)
    assert response.json()["items"][0]["refunded"] == "5.01"


def test_a_pending_and_a_failed_order_are_answered_as_serialized(api, lena):
    in_cart(lena.public_id, priced_item("12.50"))
    pending = checkout_start(
        customer_id=lena.public_id, billing_country="US", billing_region="", coupon_code="",
        processor_name="test",
    ).order  # fmt: skip
    failed, _payment = buy(lena.public_id, priced_item("40.00"), outcome="declined")
    failed.refresh_from_db()
    assert (pending.paid_at, failed.state) == (None, Order.State.FAILED) and failed.failure_reason

    for order in (pending, failed):
        response = api.get(f"/api/v1/orders/{order.public_id}/")
        assert response.content == serialized_order(order)


def order_written(customer_id: str, currency: str, items: list[dict], **fields) -> Order:
    """An order of ``items`` (price, discount, tax, refunded and other columns) as stored."""
    subtotal = sum(item["price_minor"] for item in items)
    discount = sum(item.get("discount_minor", 0) for item in items)
    tax = sum(item.get("tax_minor", 0) for item in items)
    order = Order.objects.create(
        customer_id=customer_id, currency=currency, processor="test", billing_country="BH",
        subtotal_minor=subtotal, discount_minor=discount, tax_minor=tax,
        total_minor=subtotal - discount + tax, **fields,
    )  # fmt: skip
    for columns in items:
        columns = dict(columns)
        fulfilment = columns.pop("fulfilment", None)
        item = OrderItem.objects.create(
            order=order, catalog_item=priced_item(), course_id="crs_x", course_title="Ünï “quote”",
            content_creator_id="usr_c", auto_approve=False, refund_window_days=14,
            total_minor=columns["price_minor"] - columns.get("discount_minor", 0)
            + columns.get("tax_minor", 0),
            **columns,
        )  # fmt: skip
        if fulfilment:
            OrderItem.objects.filter(pk=item.pk).update(fulfilment=fulfilment)
    return order


@pytest.mark.parametrize(
    ("currency", "items", "fields"),
    [
        ("JPY", [{"price_minor": 2500, "tax_minor": 250}], {"paid_at": None}),
        (
            "BHD",
            [
                {"price_minor": 12345, "discount_minor": 1, "tax_minor": 617,
                 "refunded_minor": 12961},
                {"price_minor": 1, "fulfilment": "rejected", "fulfilment_note": "seat cap reached",
                 "enrollment_status": "rejected"},
            ],
            {"coupon_code": "SAVE1", "billing_region": "13", "state": "partially_refunded",
             "paid_at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)},
        ),
        ("USD", [{"price_minor": 0}], {"created_at": datetime(2020, 2, 29, tzinfo=UTC)}),
        ("EUR", [{"price_minor": 100_000_000_000, "enrollment_status": "in_progress"}], {}),
    ],
)  # fmt: skip
def test_orders_as_stored_in_other_currencies_and_states_are_answered_as_serialized(
    api, lena, currency, items, fields
):
    order = order_written(lena.public_id, currency, items, **fields)

    response = api.get(f"/api/v1/orders/{order.public_id}/")

    assert response.status_code == 200
    assert response.content == serialized_order(order)


def test_a_cancelled_order_is_answered_as_serialized(api, lena):
    in_cart(lena.public_id, priced_item("12.50"))
    pending = checkout_start(
        customer_id=lena.public_id, billing_country="US", billing_region="", coupon_code="",
        processor_name="test",
    ).order  # fmt: skip

    response = api.post(f"/api/v1/orders/{pending.public_id}/cancel/")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.content == serialized_order(pending)


def test_another_customers_order_and_an_unknown_one_are_not_found(api, lena):
    theirs = order_written("usr_someone_else", "USD", [{"price_minor": 100}])
    empty_of_theirs = order_written("usr_someone_else", "USD", [])

    for order_id in (theirs.public_id, empty_of_theirs.public_id, "ord_nothing"):
        response = api.get(f"/api/v1/orders/{order_id}/")
        assert response.status_code == 404
        assert response.json()["error"]["field"] == "orderId"


def test_anonymous_callers_cannot_see_orders():
    assert APIClient().get("/api/v1/orders/").status_code == 401


@pytest.mark.parametrize("count", [1, 30])
def test_the_order_list_takes_a_fixed_number_of_queries(
    api, lena, count, django_assert_num_queries
):
    for _ in range(count):
        buy(lena.public_id, priced_item())
    # The page of orders and their items; a page that is not full needs no COUNT.
    with django_assert_num_queries(2):
        assert len(api.get("/api/v1/orders/").json()["results"]) == count


def test_a_learner_requests_a_refund_through_the_api(api, lena):
    order, _ = buy(lena.public_id, priced_item("25.00"))
    item_id = order.items.get().public_id

    response = api.post(
        f"/api/v1/orders/items/{item_id}/refund-request/", {"reason": "no"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["amount"] == "25.00" and response.json()["status"] == "succeeded"
    assert Order.objects.get().state == "refunded"


def test_staff_refund_part_of_an_item_with_a_json_number(lena, admin_user):
    order, _ = buy(lena.public_id, priced_item("25.00"))
    staff = APIClient()
    staff.force_authenticate(admin_user)
    item_id = order.items.get().public_id

    too_precise = staff.post(
        "/api/v1/payments/refunds/", {"orderItemId": item_id, "amount": 1.005}, format="json"
    )
    assert too_precise.status_code == 400
    assert too_precise.json()["error"]["field"] == "amount"
    assert "2 decimal places" in too_precise.json()["error"]["message"]
    response = staff.post(
        "/api/v1/payments/refunds/", {"orderItemId": item_id, "amount": 5.5}, format="json"
    )

    assert response.status_code == 201 and response.json()["amount"] == "5.50"
    assert Refund.objects.get().amount_minor == 550


def test_learners_cannot_issue_staff_refunds_or_read_revenue(api, lena):
    order, _ = buy(lena.public_id, priced_item())
    item_id = order.items.get().public_id
    assert (
        api.post("/api/v1/payments/refunds/", {"orderItemId": item_id}, format="json").status_code
        == 403
    )
    assert api.get("/api/v1/revenue/").status_code == 403


def test_revenue_by_creator_for_staff(lena, admin_user):
    buy(lena.public_id, priced_item("199.00", content_creator_id="usr_creator"))
    staff = APIClient()
    staff.force_authenticate(admin_user)

    body = staff.get("/api/v1/revenue/", {"by": "creator"}).json()

    assert body["by"] == "creator"
    assert body["results"] == [
        {
            "key": "usr_creator",
            "currency": "USD",
            "gross": "199.00",
            "discount": "0.00",
            "tax": "0.00",
            "processorFee": "6.07",
            "net": "192.93",
            "sales": 1,
            "refunds": 0,
        }
    ]


def test_the_openapi_schema_lists_the_commerce_endpoints(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/catalog/", "/api/v1/cart/", "/api/v1/checkout/", "/api/v1/orders/",
                 "/api/v1/payments/", "/api/v1/revenue/"):  # fmt: skip
        assert path in schema


def test_a_cart_priced_in_yen_checks_out_with_a_fee_in_yen(api, lena):
    item = priced_item("2500", "JPY")
    catalog_item_price_set(
        lms_course_id=item.course.lms_course_id, price=Money.parse("20.00", "USD")
    )
    api.post("/api/v1/cart/items/", {"catalogItemId": item.public_id}, format="json")

    cart = api.put("/api/v1/cart/currency/", {"currency": "jpy"}, format="json").json()
    assert (cart["currency"], cart["subtotal"]) == ("JPY", "2500")
    started = api.post("/api/v1/checkout/", {"billingCountry": "JP"}, format="json").json()
    payment_id = started["payment"]["paymentId"]
    paid = api.post(
        f"/api/v1/checkout/payments/{payment_id}/confirm/", {"outcome": "succeeds"}, format="json"
    ).json()

    # 2.9% of 2500 is 72.5, rounded half up to 73, plus the fixed part in yen, ¥45.
    assert (paid["amount"], paid["processorFee"], paid["currency"]) == ("2500", "118", "JPY")


def test_a_currency_a_course_is_not_sold_in_is_refused(api):
    item = priced_item("20.00")
    api.post("/api/v1/cart/items/", {"catalogItemId": item.public_id}, format="json")
    response = api.put("/api/v1/cart/currency/", {"currency": "EUR"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "currency"
    assert "not sold in EUR" in response.json()["error"]["message"]
    bogus = api.put("/api/v1/cart/currency/", {"currency": "XXX"}, format="json")
    assert bogus.json()["error"]["field"] == "currency"
