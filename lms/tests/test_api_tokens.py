"""API tokens for people: a pair for a username and password under the page's log-in lockout, a
refresh token that works once, and access tokens that are refused once expired, tampered with or
held by a deactivated account."""

import threading

import jwt
import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from lms.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
ENROLLMENTS = reverse("lms:api_enrollments")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def lena():
    return UserFactory(username="lena", password=PASSWORD)


def obtain(api, username="lena", password=PASSWORD):
    return api.post(
        reverse("lms:api_token"), {"username": username, "password": password}, format="json"
    )


def refresh(api, token):
    return api.post(reverse("lms:api_token_refresh"), {"refresh": token}, format="json")


def bearer(access: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def test_a_username_and_password_get_a_pair_whose_access_token_opens_the_api(api, lena):
    response = obtain(api)

    assert response.status_code == 200
    pair = response.json()
    assert set(pair) == {"access", "refresh"}
    assert api.get(ENROLLMENTS, **bearer(pair["access"])).status_code == 200


def test_the_token_names_only_the_user_id(api, lena):
    access = obtain(api).json()["access"]

    claims = jwt.decode(access, options={"verify_signature": False})

    assert claims["user_id"] == lena.public_id
    assert set(claims) == {"token_type", "exp", "iat", "jti", "user_id"}


def test_wrong_credentials_are_a_401_in_the_error_shape(api, lena):
    response = obtain(api, password="not it")

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": "the username or password is not correct",
            "field": "password",
        }
    }


def test_a_missing_password_names_the_field(api, lena):
    response = api.post(reverse("lms:api_token"), {"username": "lena"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "password"


def test_a_deactivated_account_gets_no_token(api, lena):
    lena.is_active = False
    lena.save()

    assert obtain(api).status_code == 401


def test_failed_token_attempts_lock_the_account_for_the_token_endpoint_and_the_page(
    api, lena, client
):
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        obtain(api, password="guess")

    locked = obtain(api)  # the right password, too late

    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_failed_logins"
    assert "access" not in locked.json()
    client.post(reverse("login"), {"username": "lena", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_failed_page_log_ins_lock_the_token_endpoint(api, lena, client):
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "lena", "password": "guess"})

    assert obtain(api).status_code == 429


def test_a_successful_token_log_in_clears_the_count(api, lena):
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT - 1):
        obtain(api, password="guess")
    assert obtain(api).status_code == 200

    for _ in range(django_settings.LOGIN_FAILURE_LIMIT - 1):
        obtain(api, password="guess")
    assert obtain(api).status_code == 200


def test_an_expired_access_token_is_refused(api, lena):
    access = obtain(api).json()["access"]

    later = timezone.now() + django_settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    with time_machine.travel(later + timezone.timedelta(seconds=1)):
        response = api.get(ENROLLMENTS, **bearer(access))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
    assert response.json()["error"]["field"] == "Authorization"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_tampered_access_token_is_refused(api, lena):
    access = obtain(api).json()["access"]
    other = UserFactory()
    header, _, signature = access.split(".")
    claims = jwt.decode(access, options={"verify_signature": False}) | {"user_id": other.public_id}
    guessed_key = "a guess at the signing key, long enough for HS256"
    forged_payload = jwt.encode(claims, guessed_key, algorithm="HS256").split(".")[1]

    response = api.get(ENROLLMENTS, **bearer(f"{header}.{forged_payload}.{signature}"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_a_refresh_token_is_no_access_token(api, lena):
    pair = obtain(api).json()

    assert api.get(ENROLLMENTS, **bearer(pair["refresh"])).status_code == 401


def test_a_refresh_gives_a_new_pair_and_the_same_refresh_twice_is_refused(api, lena):
    first = obtain(api).json()

    renewed = refresh(api, first["refresh"])
    again = refresh(api, first["refresh"])

    assert renewed.status_code == 200
    assert set(renewed.json()) == {"access", "refresh"}
    assert renewed.json()["refresh"] != first["refresh"]
    assert api.get(ENROLLMENTS, **bearer(renewed.json()["access"])).status_code == 200
    assert again.status_code == 401
    assert again.json()["error"] | {"message": ""} == {
        "code": "token_not_valid",
        "message": "",
        "field": "refresh",
    }
    assert refresh(api, renewed.json()["refresh"]).status_code == 200


def test_a_deactivated_users_access_and_refresh_tokens_are_refused(api, lena):
    pair = obtain(api).json()
    lena.is_active = False
    lena.save()

    assert api.get(ENROLLMENTS, **bearer(pair["access"])).status_code == 401
    assert refresh(api, pair["refresh"]).status_code == 401
    verify = api.post(reverse("lms:api_token_verify"), {"token": pair["access"]}, format="json")
    assert verify.status_code == 401


def test_verify_accepts_a_valid_token_and_refuses_a_spent_refresh_token(api, lena):
    pair = obtain(api).json()
    url = reverse("lms:api_token_verify")

    assert api.post(url, {"token": pair["access"]}, format="json").status_code == 200
    refresh(api, pair["refresh"])
    spent = api.post(url, {"token": pair["refresh"]}, format="json")
    assert spent.status_code == 401
    assert spent.json()["error"]["field"] == "token"


def test_permissions_are_read_from_the_database_on_each_request(api, lena):
    access = obtain(api).json()["access"]
    revenue = reverse("commerce:api-revenue")
    assert api.get(revenue, **bearer(access)).status_code == 403

    lena.user_permissions.add(Permission.objects.get(codename="view_revenueledgerentry"))

    assert api.get(revenue, **bearer(access)).status_code == 200


def test_a_token_needs_no_csrf_token_and_a_session_still_works(lena):
    api = APIClient(enforce_csrf_checks=True)
    access = obtain(api).json()["access"]
    cart_currency = reverse("commerce:api-cart-currency")

    with_token = api.put(cart_currency, {"currency": "EUR"}, format="json", **bearer(access))
    assert with_token.status_code == 200, with_token.json()

    session = APIClient()
    session.force_login(lena)
    assert session.get(ENROLLMENTS).status_code == 200


def test_anonymous_callers_are_told_to_authenticate(api):
    response = api.get(ENROLLMENTS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_records_of_expired_refresh_tokens_are_flushed(api, lena):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from lms.tasks import api_tokens_flush_expired_task

    spent = obtain(api).json()["refresh"]
    refresh(api, spent)  # records the spent token and its successor
    later = timezone.now() + django_settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    fresh = obtain(api).json()["refresh"]

    with time_machine.travel(later + timezone.timedelta(seconds=1)):
        obtain(api)  # issued after the jump: not expired
        assert api_tokens_flush_expired_task.delay().get() == 3

    assert OutstandingToken.objects.count() == 1
    # Back to now, where it has not expired: with its record gone, it is refused.
    assert refresh(api, fresh).status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_refreshed_twice_at_once_gives_one_pair(lena):
    spent = obtain(APIClient()).json()["refresh"]
    barrier = threading.Barrier(2)
    answers = [None, None]

    def refresh_now(index):
        try:
            barrier.wait()
            answers[index] = refresh(APIClient(), spent).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh_now, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200, 401]
