"""A typed client generated from the OpenAPI document buys a course from start to finish.

openapi-python-client writes a Python package from the schema the server serves; the test
imports it and goes through the purchase journey with it alone: a token, the cart, checkout,
the test processor's payment, the order and the enrollment it bought. A schema that a generator
cannot turn into working code (an ambiguous body, a wrong status, a missing envelope) fails here.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
import requests

from tests.api_contract import PASSWORD, api_world

pytestmark = [pytest.mark.api_contract, pytest.mark.django_db(transaction=True)]

PACKAGE = "cadence_api_client"


@pytest.fixture
def generated_client(live_server, tmp_path):
    """The generated package, imported from ``tmp_path``; forgotten again afterwards."""
    schema = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_text(schema.text)
    # No formatting hooks (the generator would run ruff from PATH); the package name is ours.
    (tmp_path / "config.json").write_text(
        json.dumps({"post_hooks": [], "package_name_override": PACKAGE})
    )
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            "schema.json",
            "--config",
            "config.json",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
            "--fail-on-warning",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


def test_the_generated_client_buys_a_course_and_sees_the_enrollment(generated_client, live_server):
    world = api_world()
    client_module = _module(generated_client, "client")
    models = _module(generated_client, "models")
    token_obtain = _module(generated_client, "api.auth.auth_token_obtain")
    cart_add = _module(generated_client, "api.cart.cart_items_create")
    checkout = _module(generated_client, "api.checkout.checkout_create")
    confirm = _module(generated_client, "api.checkout.checkout_payments_confirm_create")
    order_detail = _module(generated_client, "api.orders.orders_retrieve")
    enrollments = _module(generated_client, "api.lms.lms_enrollments_list")

    anonymous = client_module.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    pair = token_obtain.sync(
        client=anonymous,
        body=models.TokenObtainInput(username=world.learner.username, password=PASSWORD),
    )
    assert isinstance(pair, models.TokenPair), pair

    learner = client_module.AuthenticatedClient(
        base_url=live_server.url, token=pair.access, raise_on_unexpected_status=True
    )
    with learner:
        cart = cart_add.sync(
            client=learner,
            body=models.CartItemAddInput(catalog_item_id=world.spare_catalog_item_id),
        )
        assert isinstance(cart, models.CartOutput), cart
        assert [line.catalog_item_id for line in cart.items] == [world.spare_catalog_item_id]
        assert cart.subtotal == "49.00"

        started = checkout.sync(client=learner, body=models.AddressInput(billing_country="US"))
        assert isinstance(started, models.CheckoutStartOutput), started
        assert started.order_state == "pending"

        payment = confirm.sync(
            started.payment.payment_id,
            client=learner,
            body=models.PaymentConfirmInput(outcome="succeeds"),
        )
        assert isinstance(payment, models.PaymentOutput), payment
        assert payment.status == "succeeded"

        order = order_detail.sync(started.order_id, client=learner)
        assert isinstance(order, models.OrderOutput), order
        assert order.status == "paid"
        [item] = order.items

        page = enrollments.sync(client=learner)
        assert isinstance(page, models.PaginatedLmsEnrollmentList), page

    bought = [row for row in page.results if row.order_item_id == item.order_item_id]
    assert len(bought) == 1, [row.order_item_id for row in page.results]
    assert bought[0].course_id == item.course_id
    assert bought[0].status in {"pending", "approved"}
    assert item.enrollment_status == bought[0].status
