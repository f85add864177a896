"""Earnings pages people can read: course names, dates, money in the sale's currency, filters,
CSV, a chart with axes and a table, and nothing about held money for someone who earns nothing."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payouts import api
from payouts.tests.helpers import confirmed_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator(django_user_model, client):
    user = django_user_model.objects.create_user(username="creator", password="x")
    client.force_login(user)
    return user


def _named_course(title: str = "Django for Payments") -> None:
    api.course_name_upsert(course_id="crs_course", title=title, synced_at=timezone.now())


def test_the_statement_names_the_course_dates_the_sale_and_speaks_money(client, creator):
    _named_course()
    confirmed_sale(1, creator.public_id, paid_at=datetime(2026, 3, 14, 12, tzinfo=UTC))
    confirmed_sale(2, creator.public_id, gross=5000, currency="JPY")

    page = client.get("/earnings/statement/").content.decode()

    assert "Django for Payments" in page and "14 Mar 2026" in page
    assert "$100.00" in page and "$40.00" in page
    assert "¥5,000" in page or "5,000 JPY" in page  # yen have no minor unit
    # No share in basis points ("7000 bp", "7000bp") in what the page shows; a random token in
    # an attribute (the CSRF token, an id) may hold the letters.
    shown = re.sub(r"<[^>]*>", " ", page)
    assert not re.search(r"(?<![A-Za-z0-9_])\d*\s*bps?(?![A-Za-z0-9_])", shown)


def test_an_older_course_name_never_overwrites_a_newer_one(client, creator):
    now = timezone.now()
    api.course_name_upsert(course_id="crs_course", title="New", synced_at=now)
    api.course_name_upsert(course_id="crs_course", title="Old", synced_at=now - timedelta(1))
    confirmed_sale(1, creator.public_id)
    page = client.get("/earnings/statement/").content.decode()
    assert ">New<" in page and ">Old<" not in page


def test_the_statement_filters_by_period_and_status(client, creator):
    confirmed_sale(1, creator.public_id, paid_at=datetime(2025, 6, 1, tzinfo=UTC))
    confirmed_sale(2, creator.public_id, paid_at=datetime(2025, 9, 1, tzinfo=UTC))

    def rows(**query) -> int:
        return client.get("/earnings/statement/", query).content.decode().count("<tr data-id=")

    assert rows() == 2
    assert rows(period="custom", since="2025-05-01", until="2025-06-30") == 1
    assert rows(since="2025-08-01") == 1
    assert rows(status="confirmed") == 2
    assert rows(status="paid") == 0
    bad = client.get("/earnings/statement/", {"since": "2025-09-01", "until": "2025-01-01"})
    assert "comes before its start" in bad.content.decode()


def test_the_statement_downloads_as_csv_with_the_same_filters(client, creator):
    _named_course("=HYPERLINK(evil)")
    confirmed_sale(1, creator.public_id, paid_at=datetime(2025, 6, 1, tzinfo=UTC))
    confirmed_sale(2, creator.public_id, paid_at=datetime(2025, 9, 1, tzinfo=UTC))

    response = client.get("/earnings/statement.csv", {"since": "2025-08-01"})

    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    header, *lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert header[:5] == ["Sale date", "Course", "Role", "Entry", "Currency"]
    assert len(lines) == 1
    row = dict(zip(header, lines[0], strict=True))
    assert row["Sale date"] == "2025-09-01" and row["Currency"] == "USD"
    assert row["Sale price paid"] == "100.00" and row["Your share"] == "40.00"
    assert row["Split (creator / instructors / platform)"] == "40% / 30% / 30%"
    assert row["Course"] == "'=HYPERLINK(evil)"  # never a formula in a spreadsheet


def test_the_chart_has_axes_values_and_a_table_beside_it(client, creator):
    confirmed_sale(1, creator.public_id)
    page = client.get("/earnings/").content.decode()
    assert 'class="axis"' in page and 'text-anchor="end">$0.00<' in page
    assert 'text-anchor="middle">$40.00<' in page  # the bar's value
    assert "<caption>Earnings per month in USD, net of refunds</caption>" in page
    assert 'aria-describedby="chart-table-USD"' in page


def test_a_learner_visiting_earnings_is_told_what_the_page_is_for(client, django_user_model):
    learner = django_user_model.objects.create_user(username="lena", password="x")
    client.force_login(learner)
    response = client.get("/earnings/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Earnings are for people who create or teach courses" in page
    assert "held" not in page.lower() and "payout account" not in page.lower()
    assert 'href="/earnings/"' not in page  # no Earnings link in the header either


@pytest.mark.parametrize("query", [{}, {"period": "this-year", "status": "confirmed"}])
def test_the_statement_costs_the_same_queries_for_1_or_30_sales(client, creator, query):
    _named_course()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/earnings/statement/", query).status_code == 200
        return len(captured)

    confirmed_sale(0, creator.public_id, paid_at=timezone.now())
    one = queries()
    for n in range(1, 30):
        confirmed_sale(n, creator.public_id, paid_at=timezone.now())
    assert queries() == one
