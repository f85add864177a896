"""Several processors offered at once: the operator's list, credentials, and the buyer's choice."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from commerce.models import Order, Payment
from commerce.processors import default_processor, enabled_processors, processor_named
from commerce.tests.factories import in_cart, priced_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_configured(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"


@pytest.fixture
def lena(django_user_model):
    return django_user_model.objects.create_user(username="lena", password="pw")


@pytest.fixture
def api(lena):
    client = APIClient()
    client.force_authenticate(lena)
    return client


def names(processors):
    return [p.name for p in processors]


def test_the_test_processor_is_the_embedded_default(settings):
    settings.PAYMENT_PROCESSORS = []
    assert names(enabled_processors()) == ["test"] and default_processor().name == "test"


def test_processors_are_offered_in_the_operators_order(settings, stripe_configured):
    settings.PAYMENT_PROCESSORS = ["stripe", "test"]
    assert names(enabled_processors()) == ["stripe", "test"]
    settings.PAYMENT_PROCESSORS = ["test", "stripe"]
    assert names(enabled_processors()) == ["test", "stripe"]


def test_a_processor_without_its_credentials_is_not_offered(settings, stripe_configured):
    settings.PAYMENT_PROCESSORS = ["stripe", "test"]
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert names(enabled_processors()) == ["test"]
    # Still known: its past payments can be refunded and its late webhooks read.
    assert processor_named("stripe").name == "stripe"


def test_the_single_processor_setting_still_works_without_the_list(settings, stripe_configured):
    settings.PAYMENT_PROCESSORS = []
    settings.PAYMENT_PROCESSOR = "stripe"
    assert names(enabled_processors()) == ["stripe"]


def test_an_unknown_processor_in_the_list_is_a_configuration_error(settings):
    settings.PAYMENT_PROCESSORS = ["test", "bitcoin"]
    with pytest.raises(ImproperlyConfigured, match="bitcoin"):
        enabled_processors()


def test_each_adapter_declares_its_name_label_and_credentials():
    for name in ("test", "stripe"):
        adapter = processor_named(name)
        assert adapter.name == name and adapter.label
        assert isinstance(adapter.required_settings, tuple)
        assert adapter.checkout_template.startswith("commerce/checkout/processors/")


def test_the_api_lists_the_processors_offered(settings, stripe_configured, api):
    settings.PAYMENT_PROCESSORS = ["stripe", "test"]
    body = api.get("/api/v1/checkout/processors/").json()
    assert [row["name"] for row in body] == ["stripe", "test"]
    assert body[0]["label"] == "Card (Stripe)"


@pytest.mark.parametrize("choice", ["bitcoin", "stripe"])
def test_checkout_refuses_a_processor_not_offered_naming_the_field(settings, api, lena, choice):
    settings.PAYMENT_PROCESSORS = ["test", "stripe"]  # Stripe has no credentials here
    in_cart(lena.public_id, priced_item("199.00"))

    response = api.post(
        "/api/v1/checkout/", {"billingCountry": "US", "processor": choice}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "processor" and f"'{choice}'" in error["message"]
    assert "test" in error["message"]
    assert not Order.objects.exists() and not Payment.objects.exists()


def test_the_order_and_payment_record_the_processor_the_buyer_chose(
    settings, stripe_configured, api, lena
):
    from commerce.tests.fake_stripe import FakeStripe

    settings.PAYMENT_PROCESSORS = ["test", "stripe"]
    in_cart(lena.public_id, priced_item("199.00"))
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        response = api.post(
            "/api/v1/checkout/", {"billingCountry": "US", "processor": "stripe"}, format="json"
        )

    assert response.status_code == 201
    body = response.json()
    assert body["payment"]["processor"] == "stripe"
    assert body["processorReference"].startswith("pi_fake")
    assert (Order.objects.get().processor, Payment.objects.get().processor) == ("stripe", "stripe")


def test_the_checkout_page_offers_each_processor_in_order_and_pays_with_the_choice(
    settings, stripe_configured, client, lena
):
    from commerce.tests.fake_stripe import FakeStripe

    settings.PAYMENT_PROCESSORS = ["stripe", "test"]
    in_cart(lena.public_id, priced_item("199.00"))
    client.force_login(lena)

    page = client.get("/checkout/").content.decode()
    assert page.index("Card (Stripe)") < page.index("Test payment (no card needed)")
    assert 'value="stripe" id="processor-stripe" checked' in page

    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        response = client.post(
            "/checkout/", {"billing_country": "US", "processor": "stripe", "action": "pay"}
        )

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response.url == f"/checkout/payments/{payment.public_id}/pay/"
    assert payment.processor == "stripe" and payment.order.processor == "stripe"


def test_the_checkout_page_pays_with_the_test_processor_when_chosen(
    settings, stripe_configured, client, lena
):
    settings.PAYMENT_PROCESSORS = ["stripe", "test"]
    in_cart(lena.public_id, priced_item("199.00"))
    client.force_login(lena)

    client.post(
        "/checkout/",
        {"billing_country": "US", "processor": "test", "outcome": "succeeds", "action": "pay"},
    )

    assert Order.objects.get().state == "paid" and Order.objects.get().processor == "test"


def test_the_checkout_page_names_a_processor_not_offered(settings, client, lena):
    in_cart(lena.public_id, priced_item("199.00"))
    client.force_login(lena)

    response = client.post(
        "/checkout/", {"billing_country": "US", "processor": "stripe", "action": "pay"}
    )

    assert response.status_code == 400
    assert "&#x27;stripe&#x27; is not a payment method offered here" in response.content.decode()
    assert not Order.objects.exists()


def test_a_webhook_for_a_processor_we_do_not_know_is_404(client):
    response = client.post(
        "/api/v1/payments/webhooks/bitcoin/", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_the_system_checks_name_an_unknown_or_unconfigured_processor(settings):
    from commerce.checks import payment_processors_check

    settings.PAYMENT_PROCESSORS = ["test", "bitcoin"]
    assert [m.id for m in payment_processors_check(None)] == ["commerce.E001"]
    settings.PAYMENT_PROCESSORS = ["stripe", "test"]
    messages = payment_processors_check(None)
    assert [m.id for m in messages] == ["commerce.W001"]
    assert "STRIPE_SECRET_KEY" in messages[0].msg
    settings.PAYMENT_PROCESSORS = ["stripe"]
    assert [m.id for m in payment_processors_check(None)] == ["commerce.W001", "commerce.W002"]
    settings.PAYMENT_PROCESSORS = []
    assert payment_processors_check(None) == []
