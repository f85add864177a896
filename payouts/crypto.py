"""Encryption of taxpayer ids at rest (Fernet: AES-128-CBC with an HMAC).

The key is ``PAYOUTS_TIN_ENCRYPTION_KEY`` (a Fernet key, from the environment). Without one, the
embedded mode derives a key from ``SECRET_KEY`` so that the project runs on a fresh clone;
production sets its own key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    key = getattr(settings, "PAYOUTS_TIN_ENCRYPTION_KEY", "")
    if not key:
        digest = hashlib.sha256(f"payouts-tin:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def tin_encrypt(tin: str) -> str:
    return _fernet().encrypt(tin.encode()).decode()


def tin_decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
