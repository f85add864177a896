"""Sign-up, profile, password reset and the log-in lockout."""

import re
from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import authenticate
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from lms.models import User
from lms.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_signing_up_creates_a_learner_and_logs_them_in(client, published):
    response = client.post(
        reverse("lms:signup"),
        {
            "username": "lena",
            "email": "lena@example.com",
            "first_name": "Lena",
            "last_name": "Learner",
            "password": "a long and unusual passphrase",
            "password_again": "a long and unusual passphrase",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="lena")
    assert list(user.groups.values_list("name", flat=True)) == ["learner"]
    assert client.get(reverse("lms:my_learning")).status_code == 200
    assert [payload.id for payload in published.of("user.created")] == [user.public_id]


def test_createsuperuser_announces_the_new_person_once(published):
    call_command(
        "createsuperuser",
        interactive=False,
        username="root",
        email="root@example.com",
        stdout=StringIO(),
    )

    root = User.objects.get(username="root")
    assert root.is_superuser
    [created] = published.of("user.created")
    assert len(published) == 1
    assert (created.id, created.email, created.name) == (root.public_id, "root@example.com", "root")


def test_people_created_through_the_user_manager_are_announced_once_each(published):
    member = User.objects.create_user("mo", "mo@example.com", "a long passphrase")
    chief = User.objects.create_superuser("chief", "chief@example.com", "a long passphrase")
    remote = async_to_sync(User.objects.acreate_user)("ana", "ana@example.com", "a passphrase")

    assert [p.id for p in published.of("user.created")] == [
        member.public_id,
        chief.public_id,
        remote.public_id,
    ]
    assert len(published) == 3


def test_a_common_password_is_refused_with_the_validators_reason(client):
    response = client.post(
        reverse("lms:signup"),
        {
            "username": "lena",
            "email": "lena@example.com",
            "password": "password",
            "password_again": "password",
        },
    )

    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not User.objects.filter(username="lena").exists()


def test_the_profile_shows_the_public_id_and_saves_changes(client, published):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("lms:profile")).content.decode()
    client.post(
        reverse("lms:profile"),
        {"email": "new@example.com", "first_name": "New", "last_name": "Name"},
    )

    assert user.public_id in page
    assert User.objects.get(pk=user.pk).email == "new@example.com"
    assert published.of("user.updated")[0].name == "New Name"


def test_a_password_reset_email_leads_to_a_new_password(client):
    user = UserFactory(email="lena@example.com")

    client.post(reverse("lms:password_reset"), {"email": "lena@example.com"})
    [email] = mail.outbox
    link = re.search(r"https?://[^/]+(/\S+)", email.body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session-held one
    client.post(
        form_url,
        {"new_password1": "another fine passphrase", "new_password2": "another fine passphrase"},
    )

    assert User.objects.get(pk=user.pk).check_password("another fine passphrase")


def test_the_password_is_changed_in_the_sites_own_pages_not_the_admins(client):
    user = UserFactory(password="the old passphrase")
    client.force_login(user)

    profile = client.get(reverse("lms:profile")).content.decode()
    form = client.get(reverse("lms:password_change")).content.decode()
    response = client.post(
        reverse("lms:password_change"),
        {
            "old_password": "the old passphrase",
            "new_password1": "another fine passphrase",
            "new_password2": "another fine passphrase",
        },
        follow=True,
    )

    assert 'href="/accounts/password/"' in profile
    assert "/admin/" not in form and "/admin/" not in response.content.decode()
    assert response.redirect_chain == [("/accounts/password/changed/", 302)]
    assert User.objects.get(pk=user.pk).check_password("another fine passphrase")


def test_repeated_failed_log_ins_lock_the_account_for_a_while(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(username="lena", password="the right passphrase")
    for _ in range(3):
        assert authenticate(username="lena", password="wrong") is None

    # Even the right password is refused during the lockout…
    assert authenticate(username="lena", password="the right passphrase") is None
    response = client.post(
        reverse("login"), {"username": "lena", "password": "the right passphrase"}, follow=True
    )
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # …and accepted again when the window has passed.
    cache.clear()
    assert authenticate(username="lena", password="the right passphrase") is not None


def test_a_successful_log_in_resets_the_count():
    UserFactory(username="lena", password="the right passphrase")
    for _ in range(4):
        authenticate(username="lena", password="wrong")
    assert authenticate(username="lena", password="the right passphrase") is not None
    for _ in range(4):
        authenticate(username="lena", password="wrong")

    assert authenticate(username="lena", password="the right passphrase") is not None
