"""No string that looks like a card number is stored anywhere, after checkouts of every kind."""

import logging
import re

import pytest
from django.db import connection
from django.test import Client

from commerce.services import checkout_start, refund_issue
from commerce.tests.factories import buy, in_cart, learner_id, priced_item
from commerce.tests.fake_stripe import FakeStripe, event, signature

CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){13,19}(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    found = []
    for match in CARD_LIKE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            found.append(digits)
    return found


def every_stored_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608  (table names from introspection)
            chunks.extend(" | ".join(str(value) for value in row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_the_detector_finds_a_card_number():
    assert card_numbers_in("paid with 4242 4242 4242 4242 today") == ["4242424242424242"]
    assert card_numbers_in("order 19900 at 1732611200") == []


@pytest.mark.django_db
def test_no_card_number_is_stored_or_logged_after_checkouts(settings, caplog):
    caplog.set_level(logging.INFO)
    learner = learner_id()
    order, _ = buy(learner, priced_item("199.00"))
    buy(learner, priced_item("49.00"), outcome="declined")
    buy(learner, priced_item("19.00"), outcome="requires_authentication")
    refund_issue(order_item_id=order.items.get().public_id)
    with FakeStripe() as fake:
        settings.PAYMENT_PROCESSOR = "stripe"
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
        in_cart(learner, priced_item("80.00"))
        started = checkout_start(customer_id=learner, billing_country="US")
        intent = fake.succeed(started.payment.processor_reference, fee=262)
        payload = event("payment_intent.succeeded", intent)
        Client().post(
            "/api/v1/payments/webhooks/stripe/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature(payload, "whsec_x"),
        )

    stored = every_stored_text()
    assert "ord_" in stored and "pi_fake" in stored  # the scan does see our rows
    assert card_numbers_in(stored) == []
    assert card_numbers_in(caplog.text) == []
