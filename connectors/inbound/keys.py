"""Creating, rotating and revoking connector keys and their signing secrets."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from connectors.encryption import signing_secret_decrypt, signing_secret_encrypt
from connectors.errors import ConnectorError, ConnectorKeyNotFound
from connectors.models import (
    ConnectorKey,
    ConnectorScope,
    ConnectorSigningSecret,
    connector_scopes_validate,
)

KEY_PREFIX = "cdk_"
SECRET_PREFIX = "cds_"  # noqa: S105  (a label, not a secret)
# A rate far above any system's need, and inside the 32-bit column that stores it.
MAX_REQUESTS_PER_MINUTE = 1_000_000


@dataclass(frozen=True)
class IssuedKey:
    """A key and its signing secret as they are shown, once, to whoever created them."""

    name: str
    key: str
    secret: str
    scopes: list[str]


def key_hash(key: str) -> str:
    # A key carries 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_prefix(key: str) -> str:
    """The non-secret part of a key that finds its row: ``cdk_<12 hex>`` before the dot."""
    return key.partition(".")[0]


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def connector_scopes_clean(scopes) -> list[str]:
    """The scopes as stored: known ones only, each once, in the order ``ConnectorScope`` lists."""
    scopes = list(scopes)
    try:
        connector_scopes_validate(scopes)
    except ValidationError as exc:
        raise ConnectorError(exc.messages[0], field="scopes") from exc
    return [scope for scope in ConnectorScope.values if scope in scopes]


def connector_key_create(
    *,
    name: str,
    requests_per_minute: int = 120,
    scopes=(ConnectorScope.CONNECTORS,),
) -> IssuedKey:
    """Create a key named ``name`` with one signing secret; return both, in clear, this once.

    The key may do only what ``scopes`` names; by default it calls the connector endpoints.
    """
    name = name.strip()
    name_length = ConnectorKey._meta.get_field("name").max_length
    if not name:
        raise ConnectorError("a connector key needs a name", field="name")
    if len(name) > name_length:
        raise ConnectorError(f"at most {name_length} characters", field="name")
    if requests_per_minute < 1:
        raise ConnectorError("must be at least 1", field="requestsPerMinute")
    if requests_per_minute > MAX_REQUESTS_PER_MINUTE:
        raise ConnectorError(
            f"must be at most {MAX_REQUESTS_PER_MINUTE}", field="requestsPerMinute"
        )
    scopes = connector_scopes_clean(scopes)
    key = f"{KEY_PREFIX}{secrets.token_hex(6)}.{secrets.token_urlsafe(32)}"
    secret = _new_secret()
    try:
        with transaction.atomic():
            row = ConnectorKey.objects.create(
                name=name,
                prefix=key_prefix(key),
                key_hash=key_hash(key),
                requests_per_minute=requests_per_minute,
                scopes=scopes,
            )
            ConnectorSigningSecret.objects.create(
                key=row, secret_encrypted=signing_secret_encrypt(secret)
            )
    except IntegrityError as exc:
        # The unique name, also when two people create the same key at once.
        raise ConnectorError(
            f"a connector key named {name!r} already exists", field="name"
        ) from exc
    return IssuedKey(name=name, key=key, secret=secret, scopes=scopes)


def connector_key_secret_rotate(*, name: str, overlap: timedelta = timedelta(hours=24)) -> str:
    """Add a new signing secret to the key; the current ones expire after ``overlap``.

    During the overlap a sender may put two ``v1`` values in its header, one per secret, and
    either is accepted. Returns the new secret, shown once.
    """
    now = timezone.now()
    with transaction.atomic():
        key = _active_key_for_update(name)
        ends = now + overlap
        # Secrets already due to end sooner keep their end: a rotation never extends a secret.
        key.signing_secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=ends)).update(
            expires_at=ends
        )
        secret = _new_secret()
        ConnectorSigningSecret.objects.create(
            key=key, secret_encrypted=signing_secret_encrypt(secret)
        )
    return secret


def connector_key_revoke(*, name: str) -> bool:
    """Revoke the key for good; return False if it already was. Its requests are refused at once."""
    with transaction.atomic():
        key = _key_for_update(name)
        if key.revoked_at is not None:
            return False
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return True


def _key_for_update(name: str) -> ConnectorKey:
    key = ConnectorKey.objects.select_for_update().filter(name=name).first()
    if key is None:
        raise ConnectorKeyNotFound(f"no connector key is named {name!r}", field="name")
    return key


def _active_key_for_update(name: str) -> ConnectorKey:
    key = _key_for_update(name)
    if key.revoked_at is not None:
        raise ConnectorError(f"connector key {name!r} is revoked", field="name")
    return key


def connector_key_with_secrets(
    prefix: str,
) -> tuple[ConnectorKey | None, list[ConnectorSigningSecret]]:
    """The key with this prefix and all its signing secrets, newest first, in one query.

    Read from the secrets' side with their key joined, so a request's key and secrets cost one
    round trip; only a key without any secret (never issued so) needs a second query.
    """
    secrets = list(
        ConnectorSigningSecret.objects.filter(key__prefix=prefix)
        .select_related("key")
        .order_by("-created_at", "-id")
    )
    if secrets:
        return secrets[0].key, secrets
    return ConnectorKey.objects.filter(prefix=prefix).first(), []


# --- This process's copy of the keys it verifies requests of ----------------------------------
#
# A key and its secrets are read from the database once per process, then used for as long as
# the shared cache's version of the keys is the one read just before they were: any change to a
# key or a secret (a revocation, a rotation, an edit in the admin) sets a new version, at once
# and again when it commits, so every process reads the key again on its next request. If the
# version is lost from the cache (flushed, evicted), a new one is set and every copy is stale.

KEYS_VERSION = "connectors:keys-version"
KNOWN_KEYS_MAX = 1000  # past this many keys, the copy starts again empty


@dataclass(frozen=True)
class KnownKey:
    """A key as a request is verified against it: the row and its secrets, decrypted, with when
    each ends (newest first); ``key`` is None for a prefix no key has."""

    version: str
    key: ConnectorKey | None
    secrets: tuple[tuple[str, datetime | None], ...]

    def secrets_valid_at(self, moment) -> list[str]:
        return [
            secret
            for secret, expires_at in self.secrets
            if expires_at is None or expires_at > moment
        ]


_known: dict[str, KnownKey] = {}
_use_written: dict[int, datetime] = {}


def connector_key_known(prefix: str) -> KnownKey:
    """The key with ``prefix`` and its secrets: this process's copy if no key changed since it was
    read (one read of the shared cache), else read again from the database (one query)."""
    version = _keys_version()
    known = _known.get(prefix)
    if known is not None and known.version == version:
        return known
    key, all_secrets = connector_key_with_secrets(prefix)
    known = KnownKey(
        version=version,
        key=key,
        secrets=tuple(
            (signing_secret_decrypt(secret.secret_encrypted), secret.expires_at)
            for secret in all_secrets
        ),
    )
    if key is not None:  # an unknown prefix is not kept: anyone can send many
        if len(_known) >= KNOWN_KEYS_MAX:
            _known.clear()
        _known[prefix] = known
    return known


def connector_key_copy(prefix: str) -> KnownKey | None:
    """This process's copy of the key with ``prefix``, if it has one, not checked against the
    keys' version: whoever uses it reads ``KEYS_VERSION`` afterwards (with another round trip
    to the cache it makes anyway) and reads the key again with ``connector_key_known`` if the
    version is no longer the copy's."""
    return _known.get(prefix)


def connector_keys_changed() -> None:
    """Make every process read the keys again: now, and once the change is committed (a process
    that read the key between the two would otherwise keep what was about to change)."""
    _keys_version_new()
    transaction.on_commit(_keys_version_new)


def connector_keys_forget() -> None:
    """Drop this process's copy of the keys (a test's database does not outlive the test)."""
    _known.clear()
    _use_written.clear()


def connector_key_use_written(key_id: int, now: datetime | None = None) -> datetime | None:
    """When this process last wrote the key's ``last_used_at``; with ``now``, note it wrote it
    then."""
    if now is not None:
        _use_written[key_id] = now
    return _use_written.get(key_id)


def _keys_version() -> str:
    version = cache.get(KEYS_VERSION)
    if version is None:
        cache.add(KEYS_VERSION, uuid.uuid4().hex, timeout=None)
        # Whoever added first wins; lost again at once, this request's copy matches no one's.
        version = cache.get(KEYS_VERSION) or uuid.uuid4().hex
    return version


def _keys_version_new() -> None:
    cache.set(KEYS_VERSION, uuid.uuid4().hex, timeout=None)


def secrets_valid_at(secrets: list[ConnectorSigningSecret], moment) -> list[str]:
    """Of ``secrets`` (newest first), those not expired by ``moment``, decrypted."""
    return [
        signing_secret_decrypt(secret.secret_encrypted)
        for secret in secrets
        if secret.expires_at is None or secret.expires_at > moment
    ]


def signing_secrets_valid_at(key: ConnectorKey, moment) -> list[str]:
    """The secrets a request signed at ``moment`` may use: those not expired by then, decrypted."""
    return [
        signing_secret_decrypt(token)
        for token in key.signing_secrets.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=moment)
        )
        .order_by("-created_at")
        .values_list("secret_encrypted", flat=True)
    ]
