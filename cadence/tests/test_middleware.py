"""The connector endpoints' POSTs take a shorter middleware chain, with the same answer headers."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client

from cadence.middleware import ConnectorPostMiddleware

pytestmark = pytest.mark.django_db

CONNECTOR_POST = "/api/v1/webhooks/course-completion/"
SPEC_FORM = "/api/v1/webhooks/course-completion"
# Written on every answer at its own time, so never the same twice.
TIMED = {"Date", "Expires"}


def unsigned_post(client, path: str = CONNECTOR_POST, **extra):
    return client.post(path, data=b"{}", content_type="application/json", **extra)


def headers_of(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in TIMED}


def test_a_connector_post_gets_the_headers_the_whole_chain_writes(settings):
    short = unsigned_post(Client())
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "ConnectorPost" not in m]
    whole = unsigned_post(Client())

    assert short.status_code == whole.status_code == 401
    assert headers_of(short) == headers_of(whole)
    assert "no-store" in short.headers["Cache-Control"]
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "Expires"):
        assert header in short.headers


def test_only_posts_to_the_connector_endpoints_take_the_short_chain(rf):
    whole_chain = []
    middleware = ConnectorPostMiddleware(
        lambda request: whole_chain.append(request) or HttpResponse()
    )

    for path in (CONNECTOR_POST, SPEC_FORM):
        assert (
            middleware(rf.post(path, data=b"{}", content_type="application/json")).status_code
            == 401
        )
    assert whole_chain == []

    middleware(rf.get(CONNECTOR_POST))
    middleware(rf.post("/api/v1/catalog/", data=b"{}", content_type="application/json"))
    assert len(whole_chain) == 2


def test_the_short_chain_still_refuses_a_host_not_allowed(client):
    assert unsigned_post(client, HTTP_HOST="attacker.example").status_code == 400


def test_the_short_chain_takes_no_middleware_with_a_view_hook(settings):
    settings.CONNECTOR_POST_MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]

    with pytest.raises(ImproperlyConfigured, match="view hook"):
        ConnectorPostMiddleware(lambda request: HttpResponse())


def test_a_failure_in_a_connector_view_is_the_apis_500_with_the_headers(monkeypatch):
    from connectors.rest_api.authentication import ConnectorKeyAuthentication

    def fails(self, request):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ConnectorKeyAuthentication, "authenticate", fails)
    response = unsigned_post(Client(raise_request_exception=False))

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "no-store" in response.headers["Cache-Control"]
    assert "Content-Security-Policy" in response.headers


def test_a_view_checked_for_csrf_may_not_take_the_short_chain(settings, rf):
    settings.CONNECTOR_POST_URL_NAMES = ["login"]
    middleware = ConnectorPostMiddleware(lambda request: HttpResponse())

    with pytest.raises(ImproperlyConfigured, match="CSRF-checked"):
        middleware(rf.post("/accounts/login/"))
