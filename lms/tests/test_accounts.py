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


def sign_up_form(username: str = "lena", email: str = "lena@example.com", **fields) -> dict:
    return {
        "username": username,
        "email": email,
        "first_name": "Lena",
        "last_name": "Learner",
        "password": "a long and unusual passphrase",
        "password_again": "a long and unusual passphrase",
        **fields,
    }


def link_in(email) -> str:
    return re.search(r"https?://[^/]+(/\S+)", email.body).group(1)


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """Post the sign-up form as a visitor, with the emails sent as after the commit."""

    def post(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("lms:signup"), sign_up_form(**fields))

    return post


def test_signing_up_mails_a_link_that_creates_the_learner_and_logs_them_in(
    client, sign_up, published
):
    response = sign_up()

    assert response.status_code == 302 and response.url == reverse("lms:signup_sent")
    assert not User.objects.filter(username="lena").exists()  # not before the link
    assert "_auth_user_id" not in client.session
    [email] = mail.outbox
    assert email.to == ["lena@example.com"]
    assert email.subject == "Confirm your email to finish signing up"
    link = link_in(email)
    assert "Create the account" in client.get(link).content.decode()
    assert not User.objects.filter(username="lena").exists()  # following the link is not enough

    confirmed = client.post(link)

    assert confirmed.status_code == 302 and confirmed.url == reverse("lms:my_learning")
    user = User.objects.get(username="lena")
    assert (user.email, user.first_name) == ("lena@example.com", "Lena")
    assert user.check_password("a long and unusual passphrase")
    assert list(user.groups.values_list("name", flat=True)) == ["learner"]
    assert client.get(reverse("lms:my_learning")).status_code == 200
    assert [payload.id for payload in published.of("user.created")] == [user.public_id]
    assert client.post(link).status_code == 404  # used once
    assert User.objects.count() == 1


def test_signing_up_with_a_known_address_looks_the_same_and_tells_its_owner(client, sign_up):
    owner = UserFactory(username="lena", email="lena@example.com")
    new = sign_up(username="newcomer", email="someone@example.com")
    new_page = client.get(new.url).content.decode()
    mail.outbox.clear()

    known = sign_up(username="intruder", email="LENA@example.com")

    assert (known.status_code, known.url) == (new.status_code, new.url)
    assert client.get(known.url).content.decode() == new_page
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="intruder").exists()
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert email.subject == "Someone tried to sign up with your address"
    assert "already has an" in email.body and reverse("lms:password_reset") in email.body
    assert reverse("lms:signup_confirm", args=["x"])[:-2] not in email.body  # no way in


def test_a_known_address_cannot_be_found_out_through_the_username_either(client, sign_up):
    """A new address's sign-up reserves nothing, so trying its username later tells nothing."""
    UserFactory(username="lena", email="lena@example.com")
    sign_up(username="probe_known", email="lena@example.com")
    sign_up(username="probe_new", email="fresh@example.com")

    for probe in ("probe_known", "probe_new"):
        again = sign_up(username=probe, email="other@example.com")
        assert again.status_code == 302, probe


def test_a_weak_password_is_refused_alike_for_known_and_new_addresses(client, sign_up):
    UserFactory(email="lena@example.com")
    weak = {"password": "password", "password_again": "password"}
    known = sign_up(username="a", email="lena@example.com", **weak)
    new = sign_up(username="b", email="fresh@example.com", **weak)

    assert known.status_code == new.status_code == 400
    assert "too common" in known.content.decode() and "too common" in new.content.decode()
    assert "already has an account" not in known.content.decode()
    assert mail.outbox == []


def test_a_sign_up_link_expires_with_the_password_reset_timeout(client, sign_up, settings):
    sign_up()
    link = link_in(mail.outbox[0])
    settings.PASSWORD_RESET_TIMEOUT = 0

    assert client.post(link).status_code == 404
    assert not User.objects.filter(username="lena").exists()


def test_a_username_taken_before_the_link_is_followed_is_refused_then(client, sign_up):
    sign_up()
    UserFactory(username="Lena")

    response = client.post(link_in(mail.outbox[0]))

    assert response.status_code == 409
    assert "was taken meanwhile" in response.content.decode()
    assert User.objects.filter(email="lena@example.com").count() == 0


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


def test_a_common_password_is_refused_with_the_validators_reason(client, sign_up):
    response = sign_up(password="password", password_again="password")

    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not User.objects.filter(username="lena").exists()
    assert mail.outbox == []


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
