"""The ``X-Cadence-Signature`` scheme, shared by inbound requests and outbound webhooks.

A signature header reads ``t=<unix seconds>,v2=<hex>[,v1=<hex>…]``: each value is an
HMAC-SHA256 keyed with a signing secret, over

- ``v2``: ``"<t>\\n<METHOD>\\n<path?query exactly as sent>\\n<raw body>"``, which binds the
  signature to the request it was made for, so it cannot be replayed on another path, with
  another query or another method;
- ``v1``: ``"<t>.<raw body>"``, the body alone. Kept for the spec's four connector endpoints,
  whose bodies name what they act on and are idempotent; refused everywhere else.

Several values of a scheme let a sender sign with an old and a new secret while a rotation is
under way. Unknown schemes are ignored so the scheme can grow without breaking receivers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

HEADER = "X-Cadence-Signature"
BODY_ONLY = "v1"
REQUEST_BOUND = "v2"
SCHEMES = (BODY_ONLY, REQUEST_BOUND)


@dataclass(frozen=True)
class ParsedSignature:
    timestamp: int
    v1: tuple[str, ...] = ()
    v2: tuple[str, ...] = ()


class MalformedSignature(ValueError):
    pass


def compute_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``v1``: the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return _hmac(secret, message)


def compute_request_signature(
    *, secret: str, timestamp: int, method: str, path: str, body: bytes
) -> str:
    """``v2``: the hex HMAC-SHA256 of ``"<timestamp>\\n<METHOD>\\n<path>\\n<body>"`` keyed with
    ``secret``; ``path`` is the request target as sent, with its query (``/a/b?c=d``)."""
    head = f"{timestamp}\n{method.upper()}\n{path}\n".encode()
    return _hmac(secret, head + body)


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(
    *,
    secrets: list[str],
    timestamp: int,
    body: bytes,
    method: str | None = None,
    path: str | None = None,
    schemes: Iterable[str] = SCHEMES,
) -> str:
    """The header value signing the request at ``timestamp`` with each of ``secrets``, in each
    of ``schemes`` (``v2`` needs the request's ``method`` and ``path``)."""
    schemes = tuple(schemes)
    unknown = set(schemes) - set(SCHEMES)
    if unknown:
        raise ValueError(f"unknown signature scheme {sorted(unknown)[0]!r}")
    if REQUEST_BOUND in schemes and (method is None or path is None):
        raise ValueError("a v2 signature needs the request's method and path")
    parts = [f"t={timestamp}"]
    if REQUEST_BOUND in schemes:
        parts += [
            f"{REQUEST_BOUND}="
            + compute_request_signature(
                secret=s, timestamp=timestamp, method=method, path=path, body=body
            )
            for s in secrets
        ]
    if BODY_ONLY in schemes:
        parts += [
            f"{BODY_ONLY}={compute_signature(secret=s, timestamp=timestamp, body=body)}"
            for s in secrets
        ]
    return ",".join(parts)


def parse_signature_header(value: str) -> ParsedSignature:
    """Split a header into its timestamp and its ``v1`` and ``v2`` values; raise if the
    timestamp or every signature is missing."""
    timestamp: int | None = None
    found: dict[str, list[str]] = {scheme: [] for scheme in SCHEMES}
    for part in value.split(","):
        name, sep, item = part.strip().partition("=")
        if not sep:
            raise MalformedSignature(f"{part.strip()!r} is not name=value")
        if name == "t":
            # ASCII digits only: str.isdigit() also takes '²' (which int() refuses) and other
            # scripts' digits (which were not what the sender signed).
            if not (item.isascii() and item.isdigit()):
                raise MalformedSignature("t must be a whole number of unix seconds")
            timestamp = int(item)
        elif name in found:
            found[name].append(item.strip().lower())
    if timestamp is None:
        raise MalformedSignature("the timestamp t= is missing")
    if not any(found.values()):
        raise MalformedSignature(
            f"no {BODY_ONLY}= signature and no {REQUEST_BOUND}= signature is present"
        )
    return ParsedSignature(
        timestamp=timestamp, v1=tuple(found[BODY_ONLY]), v2=tuple(found[REQUEST_BOUND])
    )


def any_signature_matches(*, parsed: ParsedSignature, secrets: list[str], body: bytes) -> bool:
    """True if one of the header's ``v1`` values is the signature of ``body`` by one secret."""
    return _any_matches(
        candidates=parsed.v1,
        expected=[
            compute_signature(secret=s, timestamp=parsed.timestamp, body=body) for s in secrets
        ],
    )


def any_request_signature_matches(
    *, parsed: ParsedSignature, secrets: list[str], method: str, path: str, body: bytes
) -> bool:
    """True if one of the header's ``v2`` values signs this method, path and body by one
    secret."""
    return _any_matches(
        candidates=parsed.v2,
        expected=[
            compute_request_signature(
                secret=s, timestamp=parsed.timestamp, method=method, path=path, body=body
            )
            for s in secrets
        ],
    )


def _any_matches(*, candidates: tuple[str, ...], expected: list[str]) -> bool:
    # Every pair is compared in constant time, and all pairs are compared, so the time taken
    # says nothing about which value or secret came close.
    matched = False
    for value in expected:
        for candidate in candidates:
            if hmac.compare_digest(value.encode("ascii"), candidate.encode("ascii", "replace")):
                matched = True
    return matched
