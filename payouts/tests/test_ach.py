"""ACH payouts: one NACHA file per batch that a bank accepts, and its returns read back."""

import threading
from datetime import timedelta

import achkit
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from payouts.models import (
    AchNotificationOfChange,
    EarnedRevenue,
    NachaEntry,
    NachaFile,
    Payout,
    PayoutAccount,
)
from payouts.rails.capabilities import ACH_MAX_MINOR
from payouts.selectors.accounts import payout_account_details, payout_blockers
from payouts.selectors.ledger import ledger_verify
from payouts.services.accounts import payout_account_verify, tax_info_save
from payouts.services.ach_files import ach_change_apply, nacha_returns_import
from payouts.services.batches import payout_batch_run, payout_send
from payouts.tests.helpers import confirmed_sale, payee_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_batch(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return payout_batch_run(**kwargs)

    return run


def ach_payees(count: int) -> list[str]:
    users = [f"usr_ach{n}" for n in range(count)]
    for n, user in enumerate(users):
        payee_ready(user, method="ach")
        confirmed_sale(n, user, gross=10000 * (n + 1))
    return users


def return_file(*lines: tuple[str, str, str, str]) -> str:
    """A bank's return file: for each (addenda type, code, original trace, corrected data) an
    entry and its addenda, as the RDFI sends them back."""
    records = []
    for addenda_type, code, trace, data in lines:
        records.append(
            "6" + "21" + "021000021" + "0".ljust(17) + "0000000000" + " " * 15
            + "RETURN".ljust(22) + "  " + "1" + "011000010000001"
        )  # fmt: skip
        records.append(f"7{addenda_type}{code}{trace}{'':6}02100002{data:<29}{'':15}{'0' * 15}")
    return "\n".join(records) + "\n"


def test_a_batch_paying_four_ach_payees_writes_one_file_a_bank_accepts(run_batch):
    ach_payees(4)

    batch = run_batch()

    nacha = NachaFile.objects.get()
    assert nacha.batch == batch
    assert achkit.validate(nacha.content)["ok"]
    parsed = achkit.parse(nacha.content)
    entries = parsed["batches"][0]["entries"]
    payouts = list(Payout.objects.filter(batch=batch).order_by("id"))
    assert [p.status for p in payouts] == ["completed"] * 4
    assert [e["trace_number"] for e in entries] == [p.external_reference for p in payouts]
    assert [e["amount_cents"] for e in entries] == [p.amount_minor for p in payouts]
    assert parsed["control"]["total_credit"] == sum(p.amount_minor for p in payouts)
    assert parsed["file_id_modifier"] == "A"
    assert nacha.effective_date > timezone.localdate() - timedelta(days=1)
    assert nacha.effective_date.weekday() < 5


def test_files_of_one_day_get_their_own_modifier_and_trace_numbers_keep_ascending(run_batch):
    ach_payees(2)
    run_batch()
    payee_ready("usr_late", method="ach")
    confirmed_sale(99, "usr_late")

    run_batch()

    first, second = NachaFile.objects.order_by("id")
    assert (first.file_id_modifier, second.file_id_modifier) == ("A", "B")
    assert first.content.splitlines()[0] != second.content.splitlines()[0]
    traces = list(NachaEntry.objects.order_by("id").values_list("trace_number", flat=True))
    assert traces == sorted(traces) and len(set(traces)) == 3
    assert traces[-1] == "021000020000003"


def test_a_company_is_paid_by_ccd_and_a_person_by_ppd_in_the_same_file(run_batch):
    _person, company = ach_payees(2)
    tax_info_save(
        user_id=company, form="w9", tin="12-3456789", certify=True, legal_name="Acme Learning",
        business_name="Acme Learning LLC", tax_classification="C corporation", country="US",
        address_line="1 Main St", city="Springfield", postal_code="12345",
        signature_name="Ada Acme",
    )  # fmt: skip

    run_batch()

    parsed = achkit.parse(NachaFile.objects.get().content)
    assert [(b["sec"], len(b["entries"])) for b in parsed["batches"]] == [("PPD", 1), ("CCD", 1)]
    assert NachaEntry.objects.get(payout__user_id=company).entry_class == "CCD"


def test_a_name_is_transliterated_in_the_file_and_kept_whole_on_the_account(run_batch):
    payee_ready("usr_jose", method="ach", details={
        "routingNumber": "011000015", "accountNumber": "123456789", "accountType": "checking",
        "accountHolderName": "José Müller-Øberg de la Fuente Hernández",
    })  # fmt: skip
    confirmed_sale(1, "usr_jose")

    run_batch()

    entry = achkit.parse(NachaFile.objects.get().content)["batches"][0]["entries"][0]
    assert entry["name"] == "JOSE MULLER-OBERG DE L"  # the field holds 22 characters
    account = PayoutAccount.objects.get(user_id="usr_jose")
    assert account.details["accountHolderName"] == "José Müller-Øberg de la Fuente Hernández"


def test_a_eur_balance_is_never_sent_as_a_usd_ach_credit(run_batch):
    payee_ready("usr_eu", method="ach")
    confirmed_sale(1, "usr_eu", currency="EUR")

    run_batch()

    assert not Payout.objects.exists()
    assert not NachaFile.objects.exists()
    row = EarnedRevenue.objects.get(user_id="usr_eu", kind="share")
    assert (row.status, row.payout_id) == ("confirmed", None)
    assert payout_blockers(user_id="usr_eu") == [
        "Your EUR earnings cannot be paid: ACH pays in USD only; a EUR balance waits for a "
        "payout method that carries EUR."
    ]


def test_a_payout_over_the_rail_limit_fails_with_its_reason_and_releases_its_rows(run_batch):
    payee_ready("usr_big", method="ach")
    # 40 % of the gross goes to the creator: one minor unit over what an ACH entry can carry.
    confirmed_sale(1, "usr_big", gross=(ACH_MAX_MINOR + 1) * 5 // 2)

    run_batch()

    payout = Payout.objects.get()
    assert payout.amount_minor == ACH_MAX_MINOR + 1
    assert payout.status == "failed"
    assert payout.failure_reason == (
        "$100,000,000.00 is over ACH's limit of $99,999,999.99 for one payout"
    )
    assert EarnedRevenue.objects.get(user_id="usr_big", kind="share").payout_id is None
    assert not NachaFile.objects.exists()


def test_a_stripe_transfer_over_stripes_limit_fails_before_anything_is_sent(run_batch, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: a call would raise
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    payee_ready("usr_st")
    confirmed_sale(1, "usr_st", gross=250_000_000)  # creator: $1,000,000.00

    run_batch()

    payout = Payout.objects.get()
    assert payout.status == "failed"
    assert "over Stripe Connect's limit of $999,999.99" in payout.failure_reason


def test_a_bank_return_fails_the_payout_and_its_money_waits_for_the_fixed_account(run_batch):
    user, other = ach_payees(2)
    run_batch()
    returned = Payout.objects.get(user_id=user)
    kept = Payout.objects.get(user_id=other)
    content = return_file(("99", "R02", returned.external_reference, ""))

    first = nacha_returns_import(content=content)
    again = nacha_returns_import(content=content)

    assert first.returned == [returned.public_id] and again.returned == [returned.public_id]
    returned = Payout.objects.get(pk=returned.pk)
    assert (returned.status, returned.failure_reason) == ("failed", "R02 Account closed")
    assert Payout.objects.get(pk=kept.pk).status == "completed"
    rows = EarnedRevenue.objects.filter(user_id=user, kind="share")
    assert [(r.status, r.payout_id, r.paid_at) for r in rows] == [("confirmed", None, None)]
    assert returned.released_revenue.count() == 1
    account = PayoutAccount.objects.get(user_id=user)
    assert account.verified_at is None
    assert account.attention_reason == "A payout was returned: R02 Account closed"
    assert "R02 Account closed" in payout_blockers(user_id=user)[0]
    assert NachaEntry.objects.get(payout=returned).return_code == "R02"
    report = ledger_verify()
    assert report.ok, report.problems

    run_batch()  # the account is not verified again yet: nothing is sent
    assert Payout.objects.filter(user_id=user).count() == 1

    payout_account_verify(user_id=user, verified_by="staff")
    run_batch()
    again_paid = Payout.objects.filter(user_id=user).order_by("-id").first()
    assert (again_paid.status, again_paid.amount_minor) == ("completed", returned.amount_minor)
    assert PayoutAccount.objects.get(user_id=user).attention_reason == ""
    assert ledger_verify().ok


def test_a_notice_of_change_updates_the_account_only_after_staff_confirm(run_batch):
    (user,) = ach_payees(1)
    run_batch()
    payout = Payout.objects.get()
    content = return_file(("98", "C01", payout.external_reference, "987654321"))

    result = nacha_returns_import(content=content)
    nacha_returns_import(content=content)

    assert result.changes == [payout.external_reference]
    change = AchNotificationOfChange.objects.get()
    account = PayoutAccount.objects.get(user_id=user)
    assert payout_account_details(account)["accountNumber"] == "123456789"
    assert Payout.objects.get().status == "completed"

    ach_change_apply(change_id=change.pk, applied_by="staff")

    account = PayoutAccount.objects.get(user_id=user)
    assert payout_account_details(account)["accountNumber"] == "987654321"
    assert account.account_number_last4 == "4321" and "987654321" not in str(account.details)
    assert account.verified_at is not None
    assert AchNotificationOfChange.objects.get().applied_by == "staff"


def test_a_return_for_a_trace_number_we_never_sent_changes_nothing(run_batch):
    ach_payees(1)
    run_batch()

    result = nacha_returns_import(content=return_file(("99", "R01", "021000029999999", "")))

    assert result.unmatched == ["021000029999999"]
    assert Payout.objects.get().status == "completed"


@pytest.fixture
def staff_client(django_user_model, client):
    def login(*permissions: str):
        user = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="payouts", codename__in=permissions)
        )
        client.force_login(user)
        return client

    return login


def test_staff_download_a_batchs_nacha_file_from_the_admin(run_batch, staff_client):
    ach_payees(2)
    run_batch()
    nacha = NachaFile.objects.get()
    client = staff_client("view_nachafile", "download_payoutfile")

    listing = client.get("/admin/payouts/nachafile/").content.decode()
    response = client.get(f"/admin/payouts/nachafile/{nacha.pk}/download/")

    assert nacha.filename in listing
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{nacha.filename}"'
    assert response.content.decode() == nacha.content


def test_staff_import_a_return_file_from_the_admin(run_batch, staff_client):
    ach_payees(1)
    run_batch()
    payout = Payout.objects.get()
    upload = SimpleUploadedFile(
        "returns.ach", return_file(("99", "R16", payout.external_reference, "")).encode()
    )
    client = staff_client("view_nachafile", "import_ach_returns")

    response = client.post("/admin/payouts/nachafile/import-returns/", {"file": upload})

    assert response.status_code == 302
    assert Payout.objects.get().failure_reason == "R16 Account frozen"


def test_a_file_that_is_not_a_return_file_is_refused_on_its_field(staff_client):
    client = staff_client("view_nachafile", "import_ach_returns")

    response = client.post(
        "/admin/payouts/nachafile/import-returns/",
        {"file": SimpleUploadedFile("x.ach", "héllo".encode())},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith("Not a NACHA return file")


def test_importing_returns_needs_its_own_permission(staff_client):
    client = staff_client("view_nachafile")

    assert client.get("/admin/payouts/nachafile/import-returns/").status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ach_payouts_of_one_batch_sent_at_once_share_one_file():
    ach_payees(6)
    batch = payout_batch_run(enqueue=False)
    payouts = list(Payout.objects.filter(batch=batch).values_list("pk", flat=True))
    barrier = threading.Barrier(len(payouts))
    errors = []

    def send(payout_id):
        try:
            barrier.wait()
            payout_send(payout_id=payout_id)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(pk,)) for pk in payouts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    nacha = NachaFile.objects.get()
    assert nacha.entries.count() == 6
    assert set(Payout.objects.values_list("status", flat=True)) == {"completed"}
    assert achkit.validate(nacha.content)["ok"]


def test_a_nacha_file_is_stored_encrypted_and_downloaded_only_with_the_permission(
    run_batch, staff_client
):
    ach_payees(1)
    run_batch()
    nacha = NachaFile.objects.get()
    client = staff_client("view_nachafile")

    assert "123456789" in nacha.content and "123456789" not in nacha.content_encrypted
    assert client.get(f"/admin/payouts/nachafile/{nacha.pk}/download/").status_code == 403
