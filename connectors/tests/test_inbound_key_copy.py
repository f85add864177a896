"""Each process keeps a copy of the keys it verifies requests of; any change to a key or a
secret, made anywhere, is seen by every process's next request."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.inbound import keys
from connectors.inbound.keys import (
    KEYS_VERSION,
    connector_key_create,
    connector_key_known,
    connector_key_revoke,
    connector_key_secret_rotate,
    key_prefix,
)
from connectors.models import ConnectorKey, ConnectorSigningSecret
from connectors.tests.signing import signed_request

PING = "/api/v1/connectors/ping/"


@pytest.fixture
def issued(db):
    return connector_key_create(name="commerce-platform")


def ping(client, issued, secrets=None):
    return signed_request(client, "GET", PING, key=issued.key, secrets=secrets or [issued.secret])


def another_process_copy(issued) -> keys.KnownKey:
    """This process's copy, as another process keeps it: read before a change made elsewhere."""
    return connector_key_known(key_prefix(issued.key))


def test_the_key_is_read_from_the_database_once_then_from_the_copy(issued):
    prefix = key_prefix(issued.key)
    with CaptureQueriesContext(connection) as first:
        known = connector_key_known(prefix)
    with CaptureQueriesContext(connection) as again:
        assert connector_key_known(prefix) is known

    assert len(first) == 1
    assert len(again) == 0
    assert known.secrets_valid_at(timezone.now()) == [issued.secret]


def test_a_revoked_key_is_refused_at_once_though_the_process_had_it(client, issued):
    assert ping(client, issued).status_code == 200
    copied = another_process_copy(issued)

    connector_key_revoke(name=issued.name)

    assert keys._known[key_prefix(issued.key)] is copied  # nobody told this process
    response = ping(client, issued)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "this connector key has been revoked"


def test_a_revocation_written_by_hand_in_the_admin_way_is_seen_too(client, issued):
    assert ping(client, issued).status_code == 200
    row = ConnectorKey.objects.get(name=issued.name)
    row.revoked_at = timezone.now()
    row.save()  # a model save, as the admin makes one

    assert ping(client, issued).status_code == 401


def test_a_secret_ended_in_the_admin_is_refused_at_once(client, issued):
    assert ping(client, issued).status_code == 200
    secret = ConnectorSigningSecret.objects.get()
    secret.expires_at = timezone.now() - timedelta(seconds=1)
    secret.save()

    assert ping(client, issued).status_code == 401


def test_a_rotated_secret_is_accepted_at_once(client, issued):
    assert ping(client, issued).status_code == 200
    new_secret = connector_key_secret_rotate(name=issued.name)

    assert ping(client, issued, secrets=[new_secret]).status_code == 200


def test_a_lost_version_makes_every_copy_stale(issued):
    copied = another_process_copy(issued)
    cache.delete(KEYS_VERSION)  # flushed, evicted
    ConnectorKey.objects.filter(name=issued.name).update(revoked_at=timezone.now())

    known = connector_key_known(key_prefix(issued.key))

    assert known is not copied
    assert known.key.revoked_at is not None


def test_a_change_not_committed_yet_is_read_again_once_it_is(issued):
    """A process that read the key between the change and its commit kept the old row under the
    new version; the commit sets another version, so the copy is not kept."""
    with pytest.MonkeyPatch.context() as patch:
        committed = []
        patch.setattr(keys.transaction, "on_commit", committed.append)
        keys.connector_keys_changed()
    stale = another_process_copy(issued)

    committed[0]()

    assert connector_key_known(key_prefix(issued.key)) is not stale


def test_an_unknown_prefix_is_not_kept(db):
    assert connector_key_known("cdk_000000000000").key is None
    assert "cdk_000000000000" not in keys._known


def test_the_last_use_is_written_once_a_minute_by_the_process(client, issued):
    assert ping(client, issued).status_code == 200
    first = ConnectorKey.objects.get().last_used_at
    ConnectorKey.objects.update(last_used_at=None)  # so that a second write would show

    assert ping(client, issued).status_code == 200

    assert first is not None
    assert ConnectorKey.objects.get().last_used_at is None


def test_with_a_copy_the_version_is_read_with_the_rate_limits_count(client, issued, monkeypatch):
    assert ping(client, issued).status_code == 200  # the copy is made
    reads_before_the_count = []
    monkeypatch.setattr(keys, "_keys_version", lambda: reads_before_the_count.append(1))

    assert ping(client, issued).status_code == 200

    assert reads_before_the_count == []


def test_a_request_verified_again_after_a_change_counts_once(client, issued, monkeypatch):
    monkeypatch.setattr("connectors.inbound.rate_limit.clock", lambda: 1_767_225_610.0)
    ConnectorKey.objects.filter(name=issued.name).update(requests_per_minute=2)
    assert ping(client, issued).status_code == 200
    keys.connector_keys_changed()  # the copy now verifies, then is found stale

    assert ping(client, issued).status_code == 200  # the second request, not the third
    assert ping(client, issued).status_code == 429


def test_the_count_reads_an_entry_of_the_cache_with_it(db):
    from connectors.inbound.rate_limit import rate_limit_count

    cache.set(KEYS_VERSION, "v-read-with-the-count", timeout=None)
    counted = rate_limit_count(key_id=7, read=KEYS_VERSION)
    cache.delete(KEYS_VERSION)
    again = rate_limit_count(key_id=7, read=KEYS_VERSION)

    assert counted.read == "v-read-with-the-count"
    assert again.read is None
    assert again.count == counted.count + 1
