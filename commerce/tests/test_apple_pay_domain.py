"""Apple Pay's domain association file, served from configuration."""

import pytest
from django.test import Client

URL = "/.well-known/apple-developer-merchantid-domain-association"


@pytest.mark.django_db
def test_the_configured_file_is_served_as_is_to_anyone(settings):
    settings.APPLE_PAY_DOMAIN_ASSOCIATION = "7B227073704964223A2246414B45227D"

    response = Client().get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"7B227073704964223A2246414B45227D"


@pytest.mark.django_db
def test_it_is_not_found_while_unset(settings):
    settings.APPLE_PAY_DOMAIN_ASSOCIATION = ""
    assert Client().get(URL).status_code == 404


@pytest.mark.django_db
def test_only_get_is_answered(settings):
    settings.APPLE_PAY_DOMAIN_ASSOCIATION = "abc"
    assert Client().post(URL).status_code == 405
