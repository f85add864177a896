"""Content-Security-Policy, Permissions-Policy and Cache-Control: no-store on Cadence's answers."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from commerce.models import Order
from commerce.services import checkout_start
from commerce.tests.factories import in_cart, priced_item
from commerce.tests.fake_stripe import FakeStripe
from lms.models import User

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(capsys):
    call_command("seed_demo", "--json")
    return json.loads(capsys.readouterr().out)


def as_user(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def stores_nothing(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_every_page_forbids_inline_script_and_foreign_sources(client):
    policy = directives(client.get("/"))

    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["frame-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]


def test_the_kept_policy_is_django_csps_own_and_follows_the_settings(client, settings):
    from csp.utils import build_policy

    api = client.get("/api/v1/catalog/")
    assert api.headers["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in api.headers

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"script-src": ["'self'"]},
        "EXCLUDE_URL_PREFIXES": ["/api/"],
    }
    changed = client.get("/api/v1/catalog/")
    page = client.get("/catalog/")

    assert changed.headers["Content-Security-Policy"] == "default-src 'none'" == build_policy()
    assert "Content-Security-Policy-Report-Only" not in changed.headers  # an excluded prefix
    assert page.headers["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy-Report-Only"]


def test_every_page_switches_off_browser_features_it_does_not_use(client):
    header = client.get("/catalog/").headers["Permissions-Policy"]

    for feature in ("camera=()", "microphone=()", "geolocation=()", "usb=()"):
        assert feature in header
    assert 'payment=(self "https://js.stripe.com")' in header


def test_no_template_holds_an_inline_script_or_event_handler():
    # Data blocks (JSON, JSON-LD) are never run; any other script must come from a file.
    data_block = r"(?![^>]*application/(?:ld\+)?json)"
    inline_script = re.compile(rf"<script(?![^>]*\bsrc=){data_block}[^>]*>", re.I)
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
    templates = [
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "staticfiles" not in path.parts
    ]
    assert len(templates) > 20

    offending = [
        str(path.relative_to(ROOT))
        for path in templates
        if inline_script.search(text := path.read_text())
        or handler.search(text)
        or "javascript:" in text
    ]

    assert offending == []


def test_the_stripe_payment_page_alone_trusts_stripe(client, settings, demo):
    learner = User.objects.get(username="learner")
    with FakeStripe() as fake:
        settings.PAYMENT_PROCESSOR = "stripe"
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test_fake"
        settings.STRIPE_API_BASE = fake.url
        in_cart(learner.public_id, priced_item("50.00"))
        started = checkout_start(customer_id=learner.public_id, billing_country="US")
        as_user(client, "learner")
        pay = directives(client.get(f"/checkout/payments/{started.payment.public_id}/pay/"))
        elsewhere = directives(client.get("/orders/"))

    assert "https://js.stripe.com" in pay["script-src"] and "'self'" in pay["script-src"]
    assert "https://js.stripe.com" in pay["frame-src"] and "'none'" not in pay["frame-src"]
    assert "https://api.stripe.com" in pay["connect-src"]
    assert "'unsafe-inline'" not in pay["script-src"]
    assert not any("stripe" in value for values in elsewhere.values() for value in values)


def test_money_and_personal_data_is_never_stored_by_a_browser_or_proxy(client, demo):
    order = Order.objects.filter(customer_id=demo["users"]["learner"]).first()
    learner_pages = [
        "/orders/", f"/orders/{order.public_id}/", f"/orders/{order.public_id}/receipt.pdf",
        "/cart/", "/learning/", "/accounts/profile/", "/catalog/", "/",
    ]  # fmt: skip
    creator_pages = [
        "/earnings/", "/earnings/statement/", "/earnings/payouts/", "/earnings/account/",
        "/earnings/tax-info/", "/api/v1/payouts/payouts/", "/api/v1/payouts/accounts/",
    ]  # fmt: skip

    for username, pages in (("learner", learner_pages), ("creator", creator_pages)):
        as_user(client, username)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            assert stores_nothing(response), url
        client.logout()


def test_public_pages_may_be_cached_for_anonymous_visitors_only(client, demo):
    course = demo["courses"][0]["id"]
    for url in ("/", "/catalog/", f"/catalog/{course}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not stores_nothing(response), url
        assert "Cookie" in response.headers["Vary"]

    # Log-in and password-reset forms carry a CSRF token: not public either.
    assert stores_nothing(client.get("/accounts/login/"))
    assert stores_nothing(client.get("/accounts/password-reset/"))


def plain_routes(patterns, prefix: str = "", namespace: str = ""):
    """(path, view name) of every route without parameters."""
    for entry in patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route:
            continue
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from plain_routes(entry.url_patterns, prefix + route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield "/" + prefix + route, namespace + entry.name


def test_every_other_route_answers_with_no_store(client, demo):
    as_user(client, "admin")
    routes = sorted(set(plain_routes(get_resolver().url_patterns)))
    assert len(routes) > 40

    cached = [
        path
        for path, name in routes
        if name not in settings.CACHEABLE_PUBLIC_ROUTES and not stores_nothing(client.get(path))
    ]

    assert cached == []
