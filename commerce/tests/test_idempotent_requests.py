"""Checkout, payment confirmation, refund requests and cart changes accept an Idempotency-Key:
a repeat gets the first answer again, the key reused with another body is a 422, a repeat while
the first is in flight a 409; keys are per user and kept a day."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cadence.idempotency.models import IdempotentRequest
from cadence.idempotency.tasks import idempotency_keys_expire_task
from commerce import services
from commerce.models import Order, Refund
from commerce.tests.factories import buy, in_cart, priced_item

pytestmark = pytest.mark.django_db
CHECKOUT = reverse("commerce:api-checkout")
US = {"billingCountry": "US"}


@pytest.fixture
def lena(django_user_model):
    return django_user_model.objects.create_user(username="lena", password="pw")


@pytest.fixture
def api(lena):
    client = APIClient()
    client.force_authenticate(lena)
    return client


@pytest.fixture
def cart(lena):
    in_cart(lena.public_id, priced_item())


def post(api, url, body, key):
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeated_checkout_gets_the_first_answer_and_places_one_order(api, cart):
    first = post(api, CHECKOUT, US, "checkout-1")
    again = post(api, CHECKOUT, US, "checkout-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_without_a_key_a_repeated_checkout_is_a_new_request(api, cart):
    assert api.post(CHECKOUT, US, format="json").status_code == 201
    assert api.post(CHECKOUT, US, format="json").status_code == 201
    assert Order.objects.count() == 2


def test_the_same_key_with_another_body_is_a_422_naming_the_key(api, cart):
    post(api, CHECKOUT, US, "checkout-1")

    other = post(api, CHECKOUT, {"billingCountry": "DE"}, "checkout-1")

    assert other.status_code == 422
    assert other.json()["error"]["field"] == "Idempotency-Key"
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_a_422(api, cart):
    post(api, CHECKOUT, US, "key-1")

    elsewhere = post(api, reverse("commerce:api-checkout-quote"), US, "key-1")
    assert elsewhere.status_code == 200  # the quote is not idempotent-keyed: the header is ignored
    currency = api.put(
        reverse("commerce:api-cart-currency"),
        {"currency": "EUR"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert currency.status_code == 422


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there", "café"])
def test_a_key_that_is_empty_too_long_or_not_printable_ascii_is_a_400(api, cart, key):
    response = post(api, CHECKOUT, US, key)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert Order.objects.count() == 0


def test_a_key_of_255_characters_is_accepted(api, cart):
    assert post(api, CHECKOUT, US, "k" * 255).status_code == 201


def test_keys_are_per_user(api, cart, django_user_model):
    mo = django_user_model.objects.create_user(username="mo", password="pw")
    in_cart(mo.public_id, priced_item())
    theirs = APIClient()
    theirs.force_authenticate(mo)

    mine = post(api, CHECKOUT, US, "shared-key")
    other = post(theirs, CHECKOUT, US, "shared-key")

    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert other.json()["orderId"] != mine.json()["orderId"]


def test_a_repeat_while_the_first_is_in_flight_is_a_409(api, cart):
    seen = {}
    checkout_start = services.checkout_start

    def repeat_meanwhile(**kwargs):
        seen["repeat"] = post(api, CHECKOUT, US, "slow-key")
        return checkout_start(**kwargs)

    with mock.patch.object(services, "checkout_start", side_effect=repeat_meanwhile):
        first = post(api, CHECKOUT, US, "slow-key")

    assert first.status_code == 201
    assert seen["repeat"].status_code == 409
    assert seen["repeat"].json()["error"]["field"] == "Idempotency-Key"
    assert Order.objects.count() == 1


def test_a_server_error_is_not_kept_and_the_key_may_be_retried(api, cart):
    failing = mock.patch.object(services, "checkout_start", side_effect=RuntimeError("boom"))
    with failing, pytest.raises(RuntimeError):
        post(api, CHECKOUT, US, "retry-key")

    retried = post(api, CHECKOUT, US, "retry-key")

    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert Order.objects.count() == 1


def test_a_refusal_is_kept_and_replayed_too(api):
    first = post(api, CHECKOUT, US, "empty-cart")  # nothing in the cart

    again = post(api, CHECKOUT, US, "empty-cart")

    assert first.status_code == 400
    assert (again.status_code, again["Idempotent-Replayed"]) == (400, "true")
    assert again.json() == first.json()


def test_a_key_is_kept_a_day_and_then_forgotten(api, cart, settings):
    post(api, CHECKOUT, US, "day-key")
    later = timezone.now() + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, seconds=1)

    with time_machine.travel(later):
        assert idempotency_keys_expire_task.delay().get() == 1
        anew = post(api, CHECKOUT, US, "day-key")

    assert anew.status_code == 201
    assert "Idempotent-Replayed" not in anew
    assert Order.objects.count() == 2


def test_an_expired_key_not_yet_swept_is_a_new_request(api, cart, settings):
    post(api, CHECKOUT, US, "day-key")
    later = timezone.now() + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, seconds=1)

    with time_machine.travel(later):
        anew = post(api, CHECKOUT, {"billingCountry": "DE"}, "day-key")

    assert anew.status_code == 201
    assert "Idempotent-Replayed" not in anew
    assert Order.objects.count() == 2
    assert IdempotentRequest.objects.get().expires_at > later


def test_a_repeated_payment_confirmation_is_answered_from_the_first(api, cart):
    started = api.post(CHECKOUT, US, format="json").json()
    url = reverse("commerce:api-payment-confirm", args=[started["payment"]["paymentId"]])

    first = post(api, url, {"outcome": "succeeds"}, "confirm-1")
    again = post(api, url, {"outcome": "succeeds"}, "confirm-1")
    changed = post(api, url, {"outcome": "fails"}, "confirm-1")

    assert first.status_code == 200
    assert (again.status_code, again["Idempotent-Replayed"]) == (200, "true")
    assert again.json() == first.json()
    assert changed.status_code == 422


def test_a_repeated_refund_request_asks_once(api, lena):
    order, _ = buy(lena.public_id, priced_item())
    url = reverse("commerce:api-refund-request", args=[order.items.get().public_id])

    first = post(api, url, {"reason": "changed my mind"}, "refund-1")
    again = post(api, url, {"reason": "changed my mind"}, "refund-1")

    assert first.status_code == 201
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert Refund.objects.count() == 1


def test_cart_changes_are_answered_from_the_first(api):
    item = priced_item()
    add_url = reverse("commerce:api-cart-add")
    remove_url = reverse("commerce:api-cart-remove", args=[item.public_id])
    currency_url = reverse("commerce:api-cart-currency")

    added = post(api, add_url, {"catalogItemId": item.public_id}, "add-1")
    added_again = post(api, add_url, {"catalogItemId": item.public_id}, "add-1")
    removed = api.delete(remove_url, HTTP_IDEMPOTENCY_KEY="remove-1")
    removed_again = api.delete(remove_url, HTTP_IDEMPOTENCY_KEY="remove-1")
    euro = api.put(currency_url, {"currency": "EUR"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    euro_again = api.put(
        currency_url, {"currency": "EUR"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1"
    )

    for first, again in [(added, added_again), (removed, removed_again), (euro, euro_again)]:
        assert first.status_code < 300, first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert (again.status_code, again.json()) == (first.status_code, first.json())


def test_a_visitors_keys_are_scoped_to_their_session():
    item = priced_item()
    visitor = APIClient()
    visitor.get(reverse("commerce:api-cart"))  # no session yet: nothing to scope a key to
    visitor.put(reverse("commerce:api-cart-currency"), {"currency": "USD"}, format="json")
    add_url = reverse("commerce:api-cart-add")

    first = post(visitor, add_url, {"catalogItemId": item.public_id}, "visitor-1")
    again = post(visitor, add_url, {"catalogItemId": item.public_id}, "visitor-1")
    stranger = post(APIClient(), add_url, {"catalogItemId": item.public_id}, "visitor-1")

    assert again["Idempotent-Replayed"] == "true"
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in stranger


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_checkouts_with_one_key_at_once_place_one_order(lena, cart):
    barrier = threading.Barrier(2)
    answers = [None, None]

    def checkout(index):
        client = APIClient()
        client.force_authenticate(lena)
        try:
            barrier.wait()
            answers[index] = post(client, CHECKOUT, US, "double-click")
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Order.objects.count() == 1
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409]), [a.json() for a in answers]
    if statuses == [201, 201]:
        assert answers[0].json() == answers[1].json()
