"""The account pages in the site's own style: log-in help, sign-up's way back, errors."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from lms.models import User
from lms.tests.factories import UserFactory
from lms.tests.test_accounts import link_in, sign_up_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_log_in_page_links_to_the_reset_and_to_sign_up_keeping_next(client):
    page = client.get(reverse("login"), {"next": "/catalog/"}).content.decode()

    assert f'href="{reverse("lms:password_reset")}">Forgot password?</a>' in page
    assert f'href="{reverse("lms:signup")}?next=/catalog/">Sign up</a>' in page


def test_an_empty_log_in_says_which_fields_are_missing(client):
    page = client.post(reverse("login"), {"username": "", "password": ""})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Enter your username." in html and "Enter your password." in html
    assert 'aria-invalid="true" aria-describedby="id_username_error"' in html


def test_the_lockout_message_links_to_the_password_reset(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(username="lena", password="the right passphrase")
    for _ in range(3):
        answer = client.post(reverse("login"), {"username": "lena", "password": "wrong"})

    html = client.get(reverse("login")).content.decode() + answer.content.decode()
    assert f'or <a href="{reverse("lms:password_reset")}">reset your password</a>.' in html


def test_log_in_follows_a_safe_next_only(client):
    UserFactory(username="lena", password="the right passphrase")
    credentials = {"username": "lena", "password": "the right passphrase"}

    answer = client.post(reverse("login"), {**credentials, "next": "/catalog/"})
    assert answer.url == "/catalog/"
    client.logout()
    answer = client.post(reverse("login"), {**credentials, "next": "https://evil.example/"})
    assert answer.url == reverse("home")


@pytest.mark.parametrize(("next_url", "lands_on"), [
    ("/catalog/", "/catalog/"),
    ("https://evil.example/x", "/learning/"),
    ("//evil.example/x", "/learning/"),
])  # fmt: skip
def test_sign_up_comes_back_to_a_safe_next_after_the_email_link(
    client, django_capture_on_commit_callbacks, next_url, lands_on
):
    form = client.get(reverse("lms:signup"), {"next": next_url}).content.decode()
    if lands_on == next_url:
        assert f'name="next" value="{next_url}"' in form
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("lms:signup"), {**sign_up_form(), "next": next_url})

    confirmed = client.post(link_in(mail.outbox[0]))

    assert confirmed.url == lands_on
    assert User.objects.filter(username="lena").exists()


@pytest.mark.parametrize("path", [
    "/accounts/password_change/", "/accounts/password_reset/", "/accounts/password_reset/done/",
])  # fmt: skip
def test_djangos_own_account_urls_show_the_sites_pages_not_the_admins(client, path):
    client.force_login(UserFactory())

    page = client.get(path).content.decode()

    assert "Django administration" not in page and "Cadence administration" not in page
    assert 'class="site-header"' in page


def test_the_reset_email_of_djangos_own_url_reads_as_the_sites(client):
    UserFactory(username="lena", email="lena@example.com")

    client.post("/accounts/password_reset/", {"email": "lena@example.com"})

    [email] = mail.outbox
    assert email.subject == "Reset your Cadence password"
    assert "/accounts/password-reset/" in email.body
