"""The ``X-Cadence-Signature`` scheme, shared by inbound requests and outbound webhooks.

A signature header reads ``t=<unix seconds>,v1=<hex>[,v1=<hex>…]`` where each ``v1`` is the
HMAC-SHA256 of ``"<t>.<raw body>"`` keyed with a signing secret. Several ``v1`` values let a sender
sign with an old and a new secret while a rotation is under way. Unknown schemes are ignored so the
scheme can grow (a ``v2``) without breaking receivers.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

HEADER = "X-Cadence-Signature"
SCHEME = "v1"


@dataclass(frozen=True)
class ParsedSignature:
    timestamp: int
    signatures: tuple[str, ...]


class MalformedSignature(ValueError):
    pass


def compute_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(*, secrets: list[str], timestamp: int, body: bytes) -> str:
    """The header value signing ``body`` at ``timestamp`` with each of ``secrets``."""
    parts = [f"t={timestamp}"]
    parts += [
        f"{SCHEME}={compute_signature(secret=s, timestamp=timestamp, body=body)}" for s in secrets
    ]
    return ",".join(parts)


def parse_signature_header(value: str) -> ParsedSignature:
    """Split a header into its timestamp and its ``v1`` values; raise if either is missing."""
    timestamp: int | None = None
    signatures: list[str] = []
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
        elif name == SCHEME:
            signatures.append(item.strip().lower())
    if timestamp is None:
        raise MalformedSignature("the timestamp t= is missing")
    if not signatures:
        raise MalformedSignature(f"no {SCHEME}= signature is present")
    return ParsedSignature(timestamp=timestamp, signatures=tuple(signatures))


def any_signature_matches(*, parsed: ParsedSignature, secrets: list[str], body: bytes) -> bool:
    """True if one of the header's ``v1`` values is the signature of ``body`` by one secret.

    Every pair is compared in constant time, and all pairs are compared, so the time taken says
    nothing about which value or secret came close.
    """
    matched = False
    for secret in secrets:
        expected = compute_signature(secret=secret, timestamp=parsed.timestamp, body=body)
        for candidate in parsed.signatures:
            if hmac.compare_digest(expected.encode("ascii"), candidate.encode("ascii", "replace")):
                matched = True
    return matched
