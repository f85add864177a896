"""Signed requests as an outside system sends them, for the tests of the connector endpoints."""

from __future__ import annotations

import json
import time

from connectors.signatures import REQUEST_BOUND, signature_header


def signed_request(
    client,
    method: str,
    path: str,
    *,
    key: str | None,
    secrets: list[str],
    document: dict | None = None,
    key_in: str = "header",
    timestamp: int | None = None,
    schemes: tuple[str, ...] = (REQUEST_BOUND,),
    headers: dict[str, str] | None = None,
):
    """Send ``document`` (with the key in the header or the body) signed with each secret.

    ``path`` is the request target with its query (``/api/v1/payouts/payouts/?page=2``), signed
    as it is sent. ``schemes`` says which signatures the header carries: ``v2`` (method, path and
    body) by default, ``("v1",)`` for the body-only scheme, or both.
    """
    if key_in == "body" and document is not None:
        document = {**document, "apiKey": key}
    body = json.dumps(document).encode() if document is not None else b""
    headers = dict(headers or {})
    if key is not None and key_in == "header":
        headers["Authorization"] = f"Api-Key {key}"
    if secrets:
        t = int(time.time()) if timestamp is None else timestamp
        headers["X-Cadence-Signature"] = signature_header(
            secrets=secrets, timestamp=t, body=body, method=method, path=path, schemes=schemes
        )
    return client.generic(method, path, data=body, content_type="application/json", headers=headers)
