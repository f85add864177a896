"""Bank account numbers (ACH account numbers, wire IBANs) are encrypted at rest like TINs and
shown only by their last four characters; the rails still send the real number."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from payouts.crypto import account_number_decrypt
from payouts.models import PayoutAccount
from payouts.selectors.accounts import payout_account_details
from payouts.services.accounts import payout_account_save, payout_account_verify
from payouts.tests.helpers import DETAILS

pytestmark = pytest.mark.django_db

ACH_NUMBER = "123456789"
IBAN = "DE89370400440532013000"
NUMBERS = {"ach": ACH_NUMBER, "wire": IBAN}


def stored_row(user_id: str) -> str:
    """Everything the database holds about the account, as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM payouts_payoutaccount WHERE user_id = %s", [user_id])
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.mark.parametrize("method", ["ach", "wire"])
def test_a_bank_account_number_is_stored_encrypted_with_its_last_four(method):
    payout_account_save(user_id="usr_a", method=method, details=DETAILS[method]("usr_a"))

    account = PayoutAccount.objects.get(user_id="usr_a")
    number = NUMBERS[method]
    assert number not in stored_row("usr_a")
    assert number[-4:] == account.account_number_last4
    assert account_number_decrypt(account.account_number_encrypted) == number
    assert payout_account_details(account) == {**account.details, **DETAILS[method]("usr_a")}


def test_the_same_details_again_keep_the_verification_and_a_new_number_needs_a_new_one():
    payout_account_save(user_id="usr_a", method="ach", details=DETAILS["ach"]("usr_a"))
    payout_account_verify(user_id="usr_a", verified_by="staff")

    payout_account_save(user_id="usr_a", method="ach", details=DETAILS["ach"]("usr_a"))
    assert PayoutAccount.objects.get(user_id="usr_a").verified_at is not None

    changed = {**DETAILS["ach"]("usr_a"), "accountNumber": "987654321"}
    payout_account_save(user_id="usr_a", method="ach", details=changed)
    account = PayoutAccount.objects.get(user_id="usr_a")
    assert account.verified_at is None
    assert account.account_number_last4 == "4321"


def test_a_method_without_a_bank_account_number_keeps_none():
    payout_account_save(user_id="usr_a", method="ach", details=DETAILS["ach"]("usr_a"))

    payout_account_save(user_id="usr_a", method="paypal", details=DETAILS["paypal"]("usr_a"))

    account = PayoutAccount.objects.get(user_id="usr_a")
    assert (account.account_number_encrypted, account.account_number_last4) == ("", "")
    assert account.details == {"email": "usr_a@example.com"}


@pytest.fixture
def staff(django_user_model, client):
    user = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="payouts"))
    client.force_login(user)
    return user


@pytest.mark.parametrize("method", ["ach", "wire"])
def test_the_admin_shows_a_bank_account_number_by_its_last_four_only(client, staff, method):
    payout_account_save(user_id="usr_a", method=method, details=DETAILS[method]("usr_a"))
    account = PayoutAccount.objects.get(user_id="usr_a")
    number = NUMBERS[method]

    change = client.get(reverse("admin:payouts_payoutaccount_change", args=[account.pk]))
    listing = client.get(reverse("admin:payouts_payoutaccount_changelist"))

    for page in (change, listing):
        assert page.status_code == 200
        assert number not in page.content.decode()
        assert f"•••• {number[-4:]}" in page.content.decode()
    assert account.account_number_encrypted not in change.content.decode()


def test_the_payees_page_shows_the_account_by_its_last_four_only(client, django_user_model):
    payee = django_user_model.objects.create_user(username="creator", password="x")
    client.force_login(payee)
    payout_account_save(user_id=payee.public_id, method="wire", details=DETAILS["wire"]("usr_a"))

    page = client.get("/earnings/account/").content.decode()

    assert IBAN not in page
    assert "account ending 3000" in page


# --- the files payouts are sent as, which hold the number for the bank --------------------------


# Numbers that appear nowhere else in a NACHA file (the originator's ids hold "123456789").
SENT_DETAILS = {"ach": {"accountNumber": "55501234567"}, "wire": {"iban": IBAN}}


@pytest.fixture
def sent_file(django_capture_on_commit_callbacks):
    """The payout file of a payee paid by ``method``."""
    from payouts.models import Payout, PayoutFile
    from payouts.services.batches import payout_batch_run
    from payouts.tests.helpers import confirmed_sale, payee_ready

    def send(method: str) -> PayoutFile:
        details = {**DETAILS[method]("usr_b"), **SENT_DETAILS[method]}
        payee_ready("usr_b", method=method, details=details)
        confirmed_sale(1, "usr_b")
        with django_capture_on_commit_callbacks(execute=True):
            batch = payout_batch_run()
        return PayoutFile.objects.get(payout=Payout.objects.get(batch=batch))

    return send


# A NACHA file is a NachaFile of the whole batch, stored encrypted the same way (test_ach.py).
@pytest.mark.parametrize("method", ["wire"])
def test_a_payout_file_is_stored_encrypted_and_shown_with_the_number_masked(
    client, staff, sent_file, method
):
    payout_file = sent_file(method)
    number = next(iter(SENT_DETAILS[method].values()))

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM payouts_payoutfile")
        assert number not in " ".join(str(value) for value in cursor.fetchone())
    assert number in payout_file.content  # the bank needs it
    page = client.get(reverse("admin:payouts_payoutfile_change", args=[payout_file.pk]))
    assert page.status_code == 200
    assert number not in page.content.decode()
    assert "*" * (len(number) - 4) + number[-4:] in page.content.decode()


def test_the_file_as_sent_is_a_download_for_staff_allowed_to_hand_it_to_the_bank(
    client, staff, sent_file
):
    payout_file = sent_file("wire")
    url = reverse("admin:payouts_payoutfile_download", args=[payout_file.pk])
    staff.user_permissions.remove(Permission.objects.get(codename="download_payoutfile"))

    assert client.get(url).status_code == 403
    page = client.get(reverse("admin:payouts_payoutfile_change", args=[payout_file.pk]))
    assert url not in page.content.decode()

    staff.user_permissions.add(Permission.objects.get(codename="download_payoutfile"))
    download = client.get(url)
    assert download.status_code == 200
    assert download.content.decode() == payout_file.content
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-cache" in download.headers["Cache-Control"]
