import json
import time
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from connectors.inbound.keys import connector_key_create, connector_key_secret_rotate
from connectors.models import ConnectorKey, ConnectorSigningSecret
from connectors.signatures import signature_header
from connectors.tests.signing import signed_request

PING = "/api/v1/connectors/ping/"


@pytest.fixture
def issued(db):
    return connector_key_create(name="commerce-platform")


def ping(client, issued, **kwargs):
    kwargs.setdefault("key", issued.key)
    kwargs.setdefault("secrets", [issued.secret])
    return signed_request(client, kwargs.pop("method", "GET"), PING, **kwargs)


def error_of(response) -> dict:
    return response.json()["error"]


def last_used(issued):
    return ConnectorKey.objects.get(name=issued.name).last_used_at


def test_a_signed_request_with_the_key_in_the_header_is_answered(client, issued):
    response = ping(client, issued)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True
    assert body["keyName"] == "commerce-platform"
    server_time = datetime.fromisoformat(body["serverTime"])
    assert abs(timezone.now() - server_time) < timedelta(seconds=5)
    assert last_used(issued) is not None


def test_the_key_may_come_in_the_body_as_the_spec_writes_it(client, issued):
    response = ping(
        client, issued, method="POST", document={"source": "commerce-platform"}, key_in="body"
    )

    assert response.status_code == 200, response.content
    assert response.json()["keyName"] == "commerce-platform"


def test_a_signature_by_another_secret_is_refused_and_nothing_is_written(client, issued):
    response = ping(client, issued, secrets=["cds_not-the-secret"])

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Api-Key realm="connectors"'
    assert error_of(response) == {
        "code": "not_authenticated",
        "field": "X-Cadence-Signature",
        "message": (
            "no v2 signature matches this request (its method, path and body) with a current "
            "signing secret of this key"
        ),
    }
    assert last_used(issued) is None


def test_a_body_changed_after_signing_is_refused(client, issued):
    body = json.dumps({"apiKey": issued.key, "amount": "199.00"}).encode()
    t = int(time.time())
    header = signature_header(
        secrets=[issued.secret], timestamp=t, body=body, method="POST", path=PING
    )
    tampered = body.replace(b"199.00", b"1.00")

    response = client.post(
        PING,
        data=tampered,
        content_type="application/json",
        headers={"X-Cadence-Signature": header},
    )

    assert response.status_code == 401
    assert error_of(response)["field"] == "X-Cadence-Signature"


@pytest.mark.parametrize(
    ("offset", "words"),
    [(-301, "301 seconds old"), (+301, "301 seconds in the future")],
)
def test_a_timestamp_more_than_300_seconds_away_is_refused(client, issued, offset, words):
    response = ping(client, issued, timestamp=int(time.time()) + offset)

    assert response.status_code == 401
    assert words in error_of(response)["message"]
    assert last_used(issued) is None


def test_a_timestamp_within_300_seconds_is_accepted(client, issued):
    assert ping(client, issued, timestamp=int(time.time()) - 290).status_code == 200
    assert ping(client, issued, timestamp=int(time.time()) + 290).status_code == 200


def test_a_request_without_signature_is_refused(client, issued):
    response = ping(client, issued, secrets=[])

    assert response.status_code == 401
    assert error_of(response)["field"] == "X-Cadence-Signature"
    assert "missing" in error_of(response)["message"]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("v1=ab", "the timestamp t= is missing"),
        ("t=\u00b2,v1=ab", "t must be a whole number of unix seconds"),
    ],
)
def test_a_malformed_signature_is_refused_with_the_reason(client, issued, header, reason):
    response = client.get(
        PING, headers={"Authorization": f"Api-Key {issued.key}", "X-Cadence-Signature": header}
    )

    assert response.status_code == 401
    assert error_of(response)["message"] == f"malformed signature: {reason}"


def test_a_request_without_key_is_refused(client, issued):
    response = ping(client, issued, key=None)

    assert response.status_code == 401
    assert error_of(response)["field"] == "apiKey"


def test_an_unknown_key_with_a_known_prefix_is_refused(client, issued):
    forged = issued.key.split(".")[0] + ".not-the-rest-of-the-key"

    response = ping(client, issued, key=forged)

    assert response.status_code == 401
    assert error_of(response)["message"] == "this connector key is not known"


def test_a_revoked_key_is_refused(client, issued):
    call_command("revoke_connector_key", "commerce-platform")

    response = ping(client, issued)

    assert response.status_code == 401
    assert error_of(response)["message"] == "this connector key has been revoked"


def test_during_a_rotation_old_new_and_both_secrets_are_accepted(client, issued):
    new_secret = connector_key_secret_rotate(name=issued.name, overlap=timedelta(hours=1))

    assert ping(client, issued, secrets=[issued.secret]).status_code == 200
    assert ping(client, issued, secrets=[new_secret]).status_code == 200
    # A sender mid-switch signs with both: two v1 values, either may match.
    assert ping(client, issued, secrets=[issued.secret, new_secret]).status_code == 200
    assert ping(client, issued, secrets=["cds_wrong", new_secret]).status_code == 200


def test_after_the_overlap_only_the_new_secret_is_accepted(client, issued):
    new_secret = connector_key_secret_rotate(name=issued.name, overlap=timedelta(hours=1))
    old = [row.pk for row in ConnectorSigningSecret.objects.all() if row.secret != new_secret]
    ConnectorSigningSecret.objects.filter(pk__in=old).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert ping(client, issued, secrets=[issued.secret]).status_code == 401
    assert ping(client, issued, secrets=[issued.secret, new_secret]).status_code == 200


def test_a_second_rotation_never_extends_an_older_secret(issued):
    connector_key_secret_rotate(name=issued.name, overlap=timedelta(hours=1))
    connector_key_secret_rotate(name=issued.name, overlap=timedelta(hours=48))

    [first] = [row for row in ConnectorSigningSecret.objects.all() if row.secret == issued.secret]
    assert first.expires_at < timezone.now() + timedelta(hours=2)


def test_each_key_has_its_own_rate_limit_with_retry_after(client, issued, monkeypatch):
    # Ten seconds into a window, so that the window cannot turn during the test.
    monkeypatch.setattr("connectors.inbound.rate_limit.clock", lambda: 1_767_225_610.0)
    ConnectorKey.objects.filter(name=issued.name).update(requests_per_minute=3)
    other = connector_key_create(name="payout-platform")

    statuses = [ping(client, issued).status_code for _ in range(4)]
    limited = ping(client, issued)

    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "50"
    assert error_of(limited)["code"] == "rate_limited"
    assert ping(client, other).status_code == 200


def test_a_request_refused_by_the_rate_limit_leaves_the_key_untouched(client, issued, monkeypatch):
    monkeypatch.setattr("connectors.inbound.rate_limit.clock", lambda: 1_767_225_610.0)
    ConnectorKey.objects.filter(name=issued.name).update(requests_per_minute=1)
    assert ping(client, issued).status_code == 200
    long_ago = timezone.now() - timedelta(hours=3)
    ConnectorKey.objects.filter(name=issued.name).update(last_used_at=long_ago)

    assert ping(client, issued).status_code == 429
    assert last_used(issued) == long_ago


def test_a_key_without_the_connectors_scope_may_not_ping_and_is_left_untouched(client, db):
    reader = connector_key_create(name="finance-warehouse", scopes=["payouts:read"])

    response = ping(client, reader)

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "field": "apiKey",
        "message": "this key may not call the connector endpoints: it lacks the 'connectors' scope",
    }
    assert "WWW-Authenticate" not in response.headers
    assert last_used(reader) is None


def test_a_refused_request_does_not_count_against_the_rate_limit(client, issued):
    ConnectorKey.objects.filter(name=issued.name).update(requests_per_minute=1)

    assert ping(client, issued, secrets=["cds_wrong"]).status_code == 401
    assert ping(client, issued).status_code == 200


@pytest.mark.parametrize("other_keys", [0, 30])
def test_authentication_costs_the_same_queries_whatever_the_number_of_keys(
    client, issued, other_keys, django_assert_num_queries
):
    for number in range(other_keys):
        connector_key_create(name=f"system-{number}")
    ConnectorKey.objects.filter(name=issued.name).update(last_used_at=timezone.now())

    # The key by prefix with all its secrets, in one query.
    with django_assert_num_queries(1):
        assert ping(client, issued).status_code == 200


def test_the_api_docs_describe_the_connector_authentication():
    from io import StringIO

    out = StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    schema = json.loads(out.getvalue())

    assert schema["paths"][PING]["get"]["security"] == [{"connectorKey": []}]
    scheme = schema["components"]["securitySchemes"]["connectorKey"]
    assert "X-Cadence-Signature" in scheme["description"]


def test_the_rate_limit_window_starts_afresh_each_minute(db):
    from connectors.inbound.rate_limit import rate_limit_wait

    start = 1_767_225_600.0  # a window's first second
    waits = [rate_limit_wait(key_id=7, limit=2, now=start + offset) for offset in (0, 30, 59)]
    after = rate_limit_wait(key_id=7, limit=2, now=start + 60)

    assert waits == [None, None, 1]
    assert after is None
