"""Who is calling: a connector key plus a fresh signature of the exact request sent."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from connectors.errors import ConnectorAuthenticationError, ConnectorPermissionError
from connectors.inbound.keys import (
    KEYS_VERSION,
    KnownKey,
    connector_key_copy,
    connector_key_known,
    connector_key_use_written,
    key_hash,
    key_prefix,
)
from connectors.inbound.rate_limit import rate_limit_count
from connectors.models import ConnectorKey, ConnectorScope
from connectors.signatures import (
    HEADER,
    MalformedSignature,
    any_request_signature_matches,
    any_signature_matches,
    parse_signature_header,
)

KEY_FIELD = "apiKey"
# Compared against when no key has the prefix, so an unknown key costs the same as a wrong one.
_NO_SUCH_HASH = "0" * 64


@dataclass(frozen=True)
class ConnectorClient:
    """The outside system a verified request came from; DRF's ``request.user`` on its views."""

    key_id: int
    name: str
    requests_per_minute: int
    scopes: frozenset[str]
    last_used_at: datetime | None = None

    is_authenticated = True
    is_anonymous = False
    # A verified outside system reads every row of the APIs that accept connector keys; views
    # ask for this attribute, so no context needs to know this class.
    is_system = True
    is_staff = False


def connector_request_verify(
    *,
    api_key: str | None,
    signature: str | None,
    method: str,
    path: str,
    body: bytes,
    scope: str,
    body_only_signature_accepted: bool = False,
    now: datetime | None = None,
    known: KnownKey | None = None,
) -> ConnectorClient:
    """Identify the caller of a connector endpoint, or raise ``ConnectorAuthenticationError``;
    raise ``ConnectorPermissionError`` if its key lacks ``scope``.

    The key must exist and not be revoked; ``signature`` must be an ``X-Cadence-Signature`` whose
    timestamp is within ``CONNECTOR_SIGNATURE_TOLERANCE_SECONDS`` of now (either way: a clock far
    ahead is as suspect as a replay) and one of whose ``v2`` values is the HMAC of ``method``,
    ``path`` (with its query, as sent) and ``body`` by one of the key's current signing secrets.
    A ``v1`` value (``body`` alone) counts only where ``body_only_signature_accepted``: the
    spec's POST endpoints, whose bodies name what they act on; anywhere else a captured ``v1``
    would open every other request with the same body. Nothing is written: a request may still
    be refused after this (its rate limit), so whoever accepts it last calls
    ``connector_key_use_record``. ``known`` is the key to verify against (the key's prefix's),
    by default the one ``connector_key_known`` gives.
    """
    now = now or timezone.now()
    if not api_key:
        raise ConnectorAuthenticationError(
            f"send the connector key in the {KEY_FIELD!r} field or as 'Authorization: Api-Key …'",
            field=KEY_FIELD,
        )
    known = known or connector_key_known(key_prefix(api_key))
    key = known.key
    expected_hash = key.key_hash if key is not None else _NO_SUCH_HASH
    if not hmac.compare_digest(expected_hash, key_hash(api_key)) or key is None:
        raise ConnectorAuthenticationError("this connector key is not known", field=KEY_FIELD)
    if key.revoked_at is not None:
        raise ConnectorAuthenticationError("this connector key has been revoked", field=KEY_FIELD)

    if not signature:
        raise ConnectorAuthenticationError(
            f"the {HEADER} header is missing: sign every request", field=HEADER
        )
    try:
        parsed = parse_signature_header(signature)
    except MalformedSignature as exc:
        raise ConnectorAuthenticationError(f"malformed signature: {exc}", field=HEADER) from exc
    tolerance = settings.CONNECTOR_SIGNATURE_TOLERANCE_SECONDS
    skew = parsed.timestamp - int(now.timestamp())
    if skew < -tolerance:
        raise ConnectorAuthenticationError(
            f"the signature's timestamp is {-skew} seconds old; at most {tolerance} are accepted",
            field=HEADER,
        )
    if skew > tolerance:
        raise ConnectorAuthenticationError(
            f"the signature's timestamp is {skew} seconds in the future; check the sender's clock",
            field=HEADER,
        )
    secrets = known.secrets_valid_at(now)
    bound = any_request_signature_matches(
        parsed=parsed, secrets=secrets, method=method, path=path, body=body
    )
    if not bound:
        _body_only_signature_check(
            parsed=parsed, secrets=secrets, body=body, accepted=body_only_signature_accepted
        )

    # Checked only now, so that who may not do this learns it only with a valid, signed key.
    scope = ConnectorScope(scope)
    if scope.value not in key.scopes:
        raise ConnectorPermissionError(
            f"this key may not {scope.label}: it lacks the {scope.value!r} scope", field=KEY_FIELD
        )
    return ConnectorClient(
        key_id=key.pk,
        name=key.name,
        requests_per_minute=key.requests_per_minute,
        scopes=frozenset(key.scopes),
        last_used_at=key.last_used_at,
    )


@dataclass(frozen=True)
class Admitted:
    """A verified request, counted against its key's rate limit."""

    client: ConnectorClient
    wait: int | None  # the seconds to wait if the key is over its rate limit, else None


def connector_request_admit(*, api_key: str | None, **request) -> Admitted:
    """``connector_request_verify`` (same arguments), then the request counted against its key's
    ``requests_per_minute``: a request is counted only once its key and signature are proven.

    A key this process has a copy of costs one round trip to the shared cache: the request is
    verified against the copy, then the keys' version is read in the same round trip as the
    count. If the version is no longer the copy's (a key or secret changed, anywhere), the request
    is verified again against the key read afresh, keeping its count (it was signed with a secret
    of the key); a request the copy refuses is verified again likewise, so that a new secret or
    scope counts at once. Without a copy, the version is read first (``connector_key_known``).
    """
    copy = connector_key_copy(key_prefix(api_key)) if api_key else None
    if copy is not None:
        try:
            client = connector_request_verify(api_key=api_key, known=copy, **request)
        except (ConnectorAuthenticationError, ConnectorPermissionError):
            pass  # perhaps only by the copy: verified again below, with the current version
        else:
            counted = rate_limit_count(key_id=client.key_id, read=KEYS_VERSION)
            if counted.read != copy.version:
                client = connector_request_verify(api_key=api_key, **request)
            return Admitted(client=client, wait=counted.wait(client.requests_per_minute))
    client = connector_request_verify(api_key=api_key, **request)
    counted = rate_limit_count(key_id=client.key_id)
    return Admitted(client=client, wait=counted.wait(client.requests_per_minute))


def _body_only_signature_check(*, parsed, secrets: list[str], body: bytes, accepted: bool) -> None:
    """Raise unless a ``v1`` value, where one is accepted, signs ``body``."""
    if parsed.v2 and not (accepted and parsed.v1):
        raise ConnectorAuthenticationError(
            "no v2 signature matches this request (its method, path and body) with a current "
            "signing secret of this key",
            field=HEADER,
        )
    if not accepted:
        raise ConnectorAuthenticationError(
            "a v1 signature covers the body alone and is accepted only on POST to the connector "
            "endpoints; sign this request with v2 (its method, path with query, and body)",
            field=HEADER,
        )
    if not any_signature_matches(parsed=parsed, secrets=secrets, body=body):
        raise ConnectorAuthenticationError(
            "no v1 signature matches the body with a current signing secret of this key",
            field=HEADER,
        )


def connector_key_use_record(client: ConnectorClient, now: datetime | None = None) -> None:
    """Note that the key's request was accepted (past its scope and its rate limit)."""
    now = now or timezone.now()
    # This process's copy of the key keeps the time read with it; what it wrote since counts too.
    last = connector_key_use_written(client.key_id) or client.last_used_at
    # At most one write a minute per key and process: "last used" is for people, not an audit.
    if last is None or now - last >= timedelta(minutes=1):
        ConnectorKey.objects.filter(pk=client.key_id).update(last_used_at=now)
        connector_key_use_written(client.key_id, now)
