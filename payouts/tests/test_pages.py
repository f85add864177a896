import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payouts.models import PayoutAccount, TaxInfo
from payouts.tests.helpers import confirmed_sale, payee_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator(django_user_model, client):
    user = django_user_model.objects.create_user(username="creator", password="x")
    client.force_login(user)
    return user


def test_the_dashboard_shows_totals_by_state_a_chart_and_why_money_is_held(client, creator):
    confirmed_sale(1, creator.public_id)

    page = client.get("/earnings/").content.decode()

    assert "$40.00" in page and 'data-status="confirmed"' in page
    assert "<svg" in page and "<rect" in page
    assert "You have not set up a payout account." in page


def test_the_statement_shows_each_sale_with_split_share_and_hold(client, creator):
    confirmed_sale(1, creator.public_id)
    page = client.get("/earnings/statement/").content.decode()
    # The split in percent and money in the sale's currency: never basis points or minor units.
    assert "40% / 30% / 30%" in page and "$40.00" in page and "$100.00" in page
    assert " bp" not in page and ">10000<" not in page


@pytest.mark.parametrize("url", ["/earnings/", "/earnings/statement/", "/earnings/payouts/"])
def test_earnings_pages_run_the_same_queries_for_1_or_30_sales(client, creator, url):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    confirmed_sale(0, creator.public_id)
    one = queries()
    for n in range(1, 30):
        confirmed_sale(n, creator.public_id)
    assert queries() == one


def test_setting_up_a_payout_account_through_the_page(client, creator):
    response = client.post("/earnings/account/", {"method": "paypal", "paypal_email": "c@ex.com"})
    assert response.status_code == 302
    assert PayoutAccount.objects.get(user_id=creator.public_id).details == {"email": "c@ex.com"}

    bad = client.post("/earnings/account/", {"method": "ach", "routing_number": "123"})
    assert bad.status_code == 200
    assert "routing number" in bad.content.decode()


def test_the_tax_form_keeps_the_tin_encrypted_and_shows_it_masked(client, creator):
    response = client.post("/earnings/tax-info/", {
        "form": "w9", "legal_name": "Cora Creator", "country": "US", "address_line": "1 Main",
        "city": "Springfield", "tin": "123-45-6789", "signature_name": "Cora Creator",
        "certify": "on",
    })  # fmt: skip
    assert response.status_code == 302
    info = TaxInfo.objects.get(user_id=creator.public_id)
    assert info.is_complete and "6789" not in info.tin_encrypted

    page = client.get("/earnings/tax-info/").content.decode()
    assert "•••-••-6789" in page
    assert "123456789" not in page and "123-45-6789" not in page


def test_earnings_pages_need_a_login(client):
    assert client.get("/earnings/").status_code == 302


def test_a_payee_ready_for_payouts_sees_no_blockers(client, creator):
    payee_ready(creator.public_id)
    assert "Why your money is held" not in client.get("/earnings/").content.decode()
