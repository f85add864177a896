"""Friendly error pages in the site's style, also with DEBUG off; the favicon."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path

from cadence.urls import urlpatterns as site_urls


def broken(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", broken), path("forbidden/", forbidden), *site_urls]


@pytest.fixture
def debug_off(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


@pytest.mark.django_db
def test_a_missing_page_is_the_sites_404(client, debug_off):
    answer = client.get("/no-such-page/")

    assert answer.status_code == 404
    html = answer.content.decode()
    assert "We can't find that page" in html and 'class="site-header"' in html
    assert 'href="/catalog/"' in html


@pytest.mark.django_db
def test_a_forbidden_page_is_the_sites_403(client, debug_off):
    answer = client.get("/forbidden/")

    assert answer.status_code == 403
    assert "You can't open this page" in answer.content.decode()
    assert "Log in" in answer.content.decode()


@pytest.mark.django_db
def test_a_server_error_is_the_sites_500_and_asks_nothing_of_the_database(client, debug_off):
    client.raise_request_exception = False

    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/boom/")

    assert answer.status_code == 500
    html = answer.content.decode()
    assert "Something went wrong on our side" in html and "cadence.css" in html
    assert queries.captured_queries == []


@pytest.mark.django_db
def test_every_page_links_the_favicon_and_favicon_ico_leads_to_it(client):
    home = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in home

    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.url == "/static/favicon.svg"
