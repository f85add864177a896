"""Signing secrets at rest: encrypted, not hashed, since an HMAC can only be computed with the
secret itself.

Under ``CONNECTORS_SECRET_ENCRYPTION_KEY`` (a Fernet key from the environment; several, comma
separated, to rotate). The embedded mode derives one from ``SECRET_KEY`` when it is unset;
production must set its own. A copy of the database alone then signs nothing.
"""

from __future__ import annotations

from cadence.kernel.encryption import decrypt, encrypt

_KEY = {"setting": "CONNECTORS_SECRET_ENCRYPTION_KEY", "purpose": "connectors-signing-secret"}


def signing_secret_encrypt(secret: str) -> str:
    return encrypt(secret, **_KEY)


def signing_secret_decrypt(token: str) -> str:
    return decrypt(token, **_KEY)
