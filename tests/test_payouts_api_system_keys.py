"""Outside systems read the payouts API with a signed connector key that holds the payouts:read
scope, and see every payee's rows."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from connectors.inbound.keys import connector_key_create, connector_key_revoke
from connectors.models import ConnectorKey, ConnectorScope
from connectors.tests.signing import signed_request
from payouts import api
from payouts.tests.factories import RevenueRecordedFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/payouts/earned-revenue/",
    "/api/v1/payouts/payouts/",
    "/api/v1/payouts/accounts/",
    "/api/v1/payouts/revenue-share-configs/",
]


@pytest.fixture
def sales():
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_1", content_creator_id="usr_a"))
    api.revenue_record(RevenueRecordedFactory(order_item_id="oi_2", content_creator_id="usr_b"))


@pytest.fixture
def issued():
    return connector_key_create(name="finance-warehouse", scopes=[ConnectorScope.PAYOUTS_READ])


def test_a_signed_system_key_sees_every_payees_earned_revenue(client, sales, issued):
    response = signed_request(client, "GET", URLS[0], key=issued.key, secrets=[issued.secret])

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["userId"] for row in rows} >= {"usr_a", "usr_b", "usr_instructor"}
    assert len(rows) == 6  # creator, instructor pool and platform for each of the two sales
    assert ConnectorKey.objects.get(name=issued.name).last_used_at is not None


@pytest.mark.parametrize("url", URLS)
def test_a_key_without_the_payouts_read_scope_is_refused(client, sales, url):
    connectors_only = connector_key_create(name="commerce-platform")

    response = signed_request(
        client, "GET", url, key=connectors_only.key, secrets=[connectors_only.secret]
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "field": "apiKey",
            "message": "this key may not read the payouts API: it lacks the 'payouts:read' scope",
        }
    }
    assert ConnectorKey.objects.get(name=connectors_only.name).last_used_at is None


def test_a_key_with_both_scopes_reads_the_payouts_api_too(client, sales):
    both = connector_key_create(
        name="back-office", scopes=[ConnectorScope.CONNECTORS, ConnectorScope.PAYOUTS_READ]
    )

    response = signed_request(client, "GET", URLS[0], key=both.key, secrets=[both.secret])

    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


@pytest.mark.parametrize("url", URLS)
def test_every_payouts_list_accepts_a_signed_system_key(client, issued, url):
    response = signed_request(client, "GET", url, key=issued.key, secrets=[issued.secret])
    assert response.status_code == 200


def test_a_key_without_a_valid_signature_is_refused(client, sales, issued):
    unsigned = signed_request(client, "GET", URLS[0], key=issued.key, secrets=[])
    wrong = signed_request(client, "GET", URLS[0], key=issued.key, secrets=["not-the-secret"])

    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["field"] == "X-Cadence-Signature"
    assert wrong.status_code == 401


def test_a_revoked_key_is_refused(client, sales, issued):
    connector_key_revoke(name=issued.name)

    response = signed_request(client, "GET", URLS[0], key=issued.key, secrets=[issued.secret])

    assert response.status_code == 401


def test_without_a_key_or_a_session_nothing_is_shown(client, sales):
    assert client.get(URLS[0]).status_code == 401


def test_a_system_key_reads_within_its_rate_limit(client, sales, issued, monkeypatch):
    cache.clear()  # the counters live in the cache, which outlives a test's database
    # Ten seconds into a window, so that the window cannot turn during the test.
    monkeypatch.setattr("connectors.inbound.rate_limit.clock", lambda: 1_767_225_610.0)
    ConnectorKey.objects.filter(name=issued.name).update(requests_per_minute=2)

    def read():
        return signed_request(client, "GET", URLS[0], key=issued.key, secrets=[issued.secret])

    assert [read().status_code for _ in range(2)] == [200, 200]
    long_ago = timezone.now() - timedelta(hours=3)
    ConnectorKey.objects.filter(name=issued.name).update(last_used_at=long_ago)
    limited = read()

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "50"
    assert limited.json()["error"]["code"] == "rate_limited"
    assert ConnectorKey.objects.get(name=issued.name).last_used_at == long_ago
    cache.clear()
