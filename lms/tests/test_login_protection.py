"""The log-in lockout is per account; the throttle per client address never refuses the right
password of an account that is not itself locked."""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from lms.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"
GUESSER = "203.0.113.9"
NEIGHBOUR = "198.51.100.7"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/16"]
    cache.clear()
    yield
    cache.clear()


def log_in(client, username: str, password: str, *, address: str):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
        follow=True,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def guess_random_usernames(client, count: int) -> None:
    for _ in range(count):
        log_in(client, f"nobody-{uuid.uuid4().hex[:8]}", "password1", address=GUESSER)
        assert not logged_in(client)


def test_a_guesser_spraying_usernames_locks_nobody_else_out(client, settings):
    UserFactory(username="lena", password="the right passphrase")
    guess_random_usernames(client, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)

    # A neighbour behind the same proxy logs in…
    log_in(client, "lena", "the right passphrase", address=NEIGHBOUR)
    assert logged_in(client)
    client.logout()

    # …and so does the right password from the throttled address itself: lena is not locked.
    log_in(client, "lena", "the right passphrase", address=GUESSER)
    assert logged_in(client)


def test_a_throttled_address_is_told_so_and_no_other_address_is(client, settings):
    guess_random_usernames(client, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)

    throttled = log_in(client, "someone", "password1", address=GUESSER).content.decode()
    elsewhere = log_in(client, "someone", "password1", address=NEIGHBOUR).content.decode()

    assert "Too many failed log-ins from your address" in throttled
    assert "Too many failed log-ins" not in elsewhere


def test_the_address_is_read_past_trusted_proxies_only(client, settings):
    # Without the proxy trusted, every client would be the proxy and share one count.
    settings.TRUSTED_PROXIES = []
    guess_random_usernames(client, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)

    page = log_in(client, "someone", "password1", address=NEIGHBOUR).content.decode()

    assert "Too many failed log-ins from your address" in page


def test_a_locked_account_refuses_even_its_right_password_from_any_address(client, settings):
    UserFactory(username="lena", password="the right passphrase")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, "lena", "wrong", address=GUESSER)

    page = log_in(client, "lena", "the right passphrase", address=NEIGHBOUR).content.decode()

    assert not logged_in(client)
    assert "Too many failed log-ins. Try again in 15 minutes" in page


def test_usernames_are_counted_whatever_their_case_or_spaces(client, settings):
    UserFactory(username="lena", password="the right passphrase")
    for spelling in ("lena", "LENA", " Lena", "lena ", "LeNa"):
        log_in(client, spelling, "wrong", address=GUESSER)

    log_in(client, "lena", "the right passphrase", address=NEIGHBOUR)

    assert not logged_in(client)
