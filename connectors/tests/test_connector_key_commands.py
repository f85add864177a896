import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connectors.models import ConnectorKey, ConnectorSigningSecret
from connectors.tests.signing import signed_request


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_connector_key_prints_a_key_that_works_and_stores_only_its_hash(client):
    issued = json.loads(run("create_connector_key", "commerce-platform", "--json"))

    row = ConnectorKey.objects.get(name="commerce-platform")
    assert set(issued) == {"key", "secret", "scopes"}
    assert issued["scopes"] == row.scopes == ["connectors"]
    assert row.key_hash == hashlib.sha256(issued["key"].encode()).hexdigest()
    assert issued["key"] not in {row.prefix, row.key_hash}
    assert issued["key"].startswith(row.prefix + ".")
    assert ConnectorSigningSecret.objects.get(key=row).secret == issued["secret"]
    response = signed_request(
        client, "GET", "/api/v1/connectors/ping/", key=issued["key"], secrets=[issued["secret"]]
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_create_connector_key_shows_the_key_once_in_words():
    printed = run("create_connector_key", "payout-platform")

    assert "key:            cdk_" in printed
    assert "signing secret: cds_" in printed


@pytest.mark.django_db
def test_create_connector_key_gives_the_scopes_asked_for(client):
    issued = json.loads(
        run("create_connector_key", "finance-warehouse", "--scope", "payouts:read", "--json")
    )

    assert issued["scopes"] == ["payouts:read"]
    assert ConnectorKey.objects.get().scopes == ["payouts:read"]
    ping = signed_request(
        client, "GET", "/api/v1/connectors/ping/", key=issued["key"], secrets=[issued["secret"]]
    )
    assert ping.status_code == 403


@pytest.mark.django_db
def test_scopes_given_twice_or_out_of_order_are_stored_once_in_order():
    run(
        "create_connector_key",
        "back-office",
        *["--scope", "payouts:read", "--scope", "connectors", "--scope", "payouts:read"],
    )

    assert ConnectorKey.objects.get().scopes == ["connectors", "payouts:read"]


@pytest.mark.django_db
def test_an_unknown_scope_is_refused_by_name_and_creates_nothing():
    with pytest.raises(CommandError, match="scopes: unknown scope 'payouts:write'"):
        run("create_connector_key", "finance-warehouse", "--scope", "payouts:write")
    assert not ConnectorKey.objects.exists()


@pytest.mark.django_db
def test_a_name_is_used_once():
    run("create_connector_key", "commerce-platform")

    with pytest.raises(CommandError, match="already exists"):
        run("create_connector_key", "commerce-platform")
    assert ConnectorKey.objects.count() == 1


@pytest.mark.django_db
def test_revoking_an_unknown_key_says_so():
    with pytest.raises(CommandError, match="no connector key is named 'nobody'"):
        run("revoke_connector_key", "nobody")


@pytest.mark.django_db
def test_revoking_twice_is_harmless():
    run("create_connector_key", "commerce-platform")

    assert "revoked" in run("revoke_connector_key", "commerce-platform")
    assert "already revoked" in run("revoke_connector_key", "commerce-platform")
    assert ConnectorKey.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_rotating_prints_a_new_secret_and_keeps_the_old_one_for_the_overlap():
    run("create_connector_key", "commerce-platform")

    rotated = json.loads(run("rotate_connector_secret", "commerce-platform", "--json"))

    secrets = ConnectorSigningSecret.objects.order_by("created_at", "id")
    assert [s.secret for s in secrets][-1] == rotated["secret"]
    assert secrets[0].expires_at is not None
    assert secrets[1].expires_at is None


@pytest.mark.django_db
def test_a_revoked_key_cannot_be_rotated():
    run("create_connector_key", "commerce-platform")
    run("revoke_connector_key", "commerce-platform")

    with pytest.raises(CommandError, match="is revoked"):
        run("rotate_connector_secret", "commerce-platform")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["   "], "name: a connector key needs a name"),
        (["x" * 101], "name: at most 100 characters"),
        (["ok", "--requests-per-minute", "0"], "requestsPerMinute: must be at least 1"),
        (
            ["ok", "--requests-per-minute", "99999999999"],
            "requestsPerMinute: must be at most 1000000",
        ),
    ],
)
def test_a_bad_key_request_names_the_field_and_creates_nothing(args, reason):
    with pytest.raises(CommandError, match=reason):
        run("create_connector_key", *args)
    assert not ConnectorKey.objects.exists()
