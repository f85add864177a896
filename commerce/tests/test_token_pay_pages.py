"""The Square and Elavon payment pages: what the browser gets, what it posts back, and the CSP.

The processors' own scripts (Square's Web Payments SDK, Converge's Lightbox) load from their
CDNs and cannot run here; these tests drive the server side of their flows: the token or sale id
the script would hand back, posted as the page's form posts it.
"""

import pytest
from django.test import Client

from commerce.models import Order, RevenueLedgerEntry
from commerce.services import checkout_start
from commerce.tests.factories import in_cart, priced_item
from commerce.tests.fake_elavon import FakeElavon
from commerce.tests.fake_square import OK_NONCE, FakeSquare
from commerce.tests.processor_settings import offer_elavon, offer_square


@pytest.fixture
def square_enabled(settings):
    with FakeSquare() as fake:
        offer_square(settings, fake)
        yield fake


@pytest.fixture
def elavon_enabled(settings):
    with FakeElavon() as fake:
        offer_elavon(settings, fake)
        yield fake


@pytest.fixture
def learner(client, django_user_model):
    user = django_user_model.objects.create_user(username="lena", password="pw")
    client.force_login(user)
    return user


def started_for(user, processor):
    in_cart(user.public_id, priced_item("50.00"))
    return checkout_start(
        customer_id=user.public_id, billing_country="US", processor_name=processor
    )


@pytest.mark.django_db
def test_checkout_sends_the_learner_to_squares_page(square_enabled, client, learner):
    in_cart(learner.public_id, priced_item("50.00"))
    response = client.post("/checkout/", {"billing_country": "US", "action": "pay"})
    assert response.status_code == 302 and response["Location"].endswith("/square/")


@pytest.mark.django_db
def test_the_square_page_loads_squares_sdk_and_admits_it_in_its_csp(
    square_enabled, client, learner
):
    started = started_for(learner, "square")

    response = client.get(f"/checkout/payments/{started.payment.public_id}/square/")

    page = response.content.decode()
    assert 'id="card-container"' in page and 'id="apple-pay-button"' in page
    assert "https://sandbox.web.squarecdn.com/v1/square.js" in page
    assert "sandbox-sq0idb-fake" in page and '"amount": "50.00"' in page
    assert 'name="card' not in page.lower()
    csp = response["Content-Security-Policy"]
    assert "https://sandbox.web.squarecdn.com" in csp and "pci-connect.squareupsandbox.com" in csp
    assert "convergepay" not in csp


@pytest.mark.django_db
def test_the_square_token_posted_back_pays_the_order(square_enabled, client, learner):
    started = started_for(learner, "square")

    response = client.post(
        f"/checkout/payments/{started.payment.public_id}/square/", {"token": OK_NONCE}
    )

    assert response.status_code == 302
    assert Order.objects.get().state == "paid"
    assert RevenueLedgerEntry.objects.get().fee_minor == 145  # the stand-in: 2.6% + 15 cents


@pytest.mark.django_db
def test_the_square_page_is_not_found_while_square_is_not_enabled(
    square_enabled, client, learner, settings
):
    started = started_for(learner, "square")
    settings.PAYMENT_PROCESSORS = ["test"]
    assert client.get(f"/checkout/payments/{started.payment.public_id}/square/").status_code == 404
    assert "squarecdn" not in client.get("/checkout/").get("Content-Security-Policy", "")


@pytest.mark.django_db
def test_another_learners_payment_page_is_not_found(
    square_enabled, client, learner, django_user_model
):
    other = django_user_model.objects.create_user(username="otto", password="pw")
    started = started_for(other, "square")
    assert client.get(f"/checkout/payments/{started.payment.public_id}/square/").status_code == 404
    response = client.post(
        f"/checkout/payments/{started.payment.public_id}/square/", {"token": OK_NONCE}
    )
    assert response.status_code == 404 and square_enabled.payments == {}


@pytest.mark.django_db
def test_the_elavon_page_opens_the_lightbox_with_a_fresh_session(elavon_enabled, client, learner):
    started = started_for(learner, "elavon")

    response = client.get(f"/checkout/payments/{started.payment.public_id}/elavon/")

    page = response.content.decode()
    token = elavon_enabled.requests[-1][1]
    assert token["ssl_receipt_apprvl_get_url"].endswith(
        f"/checkout/payments/{started.payment.public_id}/elavon/return/"
    )
    assert 'data-testid="elavon-container"' in page
    assert "https://api.demo.convergepay.com/hosted-payments/PayWithConverge.js" in page
    assert "https://api.demo.convergepay.com/hosted-payments?ssl_txn_auth_token=" in page
    csp = response["Content-Security-Policy"]
    assert "https://api.demo.convergepay.com" in csp and "squarecdn" not in csp


@pytest.mark.django_db
def test_the_lightbox_sale_posted_back_is_checked_with_converge(elavon_enabled, client, learner):
    started = started_for(learner, "elavon")
    sale = elavon_enabled.pay(started.client_secret)

    response = client.post(
        f"/checkout/payments/{started.payment.public_id}/elavon/",
        {"ssl_txn_id": sale["ssl_txn_id"]},
    )

    assert response.status_code == 302 and Order.objects.get().state == "paid"
    assert elavon_enabled.requests[-1][1]["ssl_transaction_type"] == "txnquery"


@pytest.mark.django_db
def test_the_hosted_page_return_with_a_forged_sale_id_pays_nothing(elavon_enabled, client, learner):
    started = started_for(learner, "elavon")

    response = client.get(
        f"/checkout/payments/{started.payment.public_id}/elavon/return/?ssl_txn_id=000-FORGED"
    )

    assert response.status_code == 302 and Order.objects.get().state == "pending"
    assert RevenueLedgerEntry.objects.count() == 0


@pytest.mark.django_db
def test_the_hosted_page_return_with_the_real_sale_pays(elavon_enabled, client, learner):
    started = started_for(learner, "elavon")
    sale = elavon_enabled.pay(started.client_secret)
    client.get(
        f"/checkout/payments/{started.payment.public_id}/elavon/return/?ssl_txn_id={sale['ssl_txn_id']}"
    )
    assert Order.objects.get().state == "paid"


def test_stripes_payment_element_offers_apple_pay_and_google_pay():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static/js/stripe-payment.js").read_text()
    assert 'wallets: {applePay: "auto", googlePay: "auto"}' in script


@pytest.mark.django_db
def test_a_page_of_another_processor_admits_no_processor_script(client, learner):
    assert "squarecdn" not in Client().get("/catalog/").get("Content-Security-Policy", "")


@pytest.fixture
def api(learner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(learner)
    return client


@pytest.mark.django_db
def test_square_through_the_api_checkout_then_complete_with_the_token(square_enabled, api, learner):
    in_cart(learner.public_id, priced_item("50.00"))
    started = api.post(
        "/api/v1/checkout/", {"billingCountry": "US", "processor": "square"}, format="json"
    ).json()
    payment_id = started["payment"]["paymentId"]

    done = api.post(
        f"/api/v1/checkout/payments/{payment_id}/complete/", {"token": OK_NONCE}, format="json"
    )

    assert done.status_code == 200 and done.json()["status"] == "succeeded"
    assert done.json()["processorFee"] == "1.45"


@pytest.mark.django_db
def test_elavon_through_the_api_a_forged_sale_id_is_a_400(elavon_enabled, api, learner):
    in_cart(learner.public_id, priced_item("50.00"))
    started = api.post(
        "/api/v1/checkout/", {"billingCountry": "US", "processor": "elavon"}, format="json"
    ).json()
    url = f"/api/v1/checkout/payments/{started['payment']['paymentId']}/complete/"

    forged = api.post(url, {"token": "000-FORGED"}, format="json")
    assert forged.status_code == 400 and forged.json()["error"]["field"] == "token"
    assert api.post(url, {}, format="json").status_code == 400

    sale = elavon_enabled.pay(started["clientSecret"])
    assert api.post(url, {"token": sale["ssl_txn_id"]}, format="json").json()["status"] == (
        "succeeded"
    )


@pytest.mark.django_db
def test_with_several_processors_the_buyer_picks_one_and_checkout_loads_none_of_their_scripts(
    client, learner, settings
):
    from commerce.tests.fake_elavon import FakeElavon
    from commerce.tests.processor_settings import offer_elavon, offer_square

    with FakeSquare() as square, FakeElavon() as converge:
        offer_square(settings, square)
        offer_elavon(settings, converge)
        settings.PAYMENT_PROCESSORS = ["square", "elavon", "test"]
        in_cart(learner.public_id, priced_item("50.00"))

        page = client.get("/checkout/")
        body = page.content.decode()
        assert 'value="square"' in body and 'value="elavon"' in body and 'value="test"' in body
        assert "squarecdn" not in page["Content-Security-Policy"]
        assert "convergepay" not in page["Content-Security-Policy"]

        chosen = client.post(
            "/checkout/", {"billing_country": "US", "action": "pay", "processor": "elavon"}
        )
        assert chosen.status_code == 302 and chosen["Location"].endswith("/elavon/")
