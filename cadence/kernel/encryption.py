"""Encryption at rest of what must be read back in clear (Fernet: AES-128-CBC with an HMAC).

Each context names its own key setting. Its value is one Fernet key, or several separated by
commas to rotate: the first encrypts, every one decrypts. Without one, the embedded mode derives
a key from ``SECRET_KEY`` and the purpose, so the project runs on a fresh clone; production sets
its own (rotating ``SECRET_KEY`` must never make stored values unreadable).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet(setting: str, purpose: str) -> MultiFernet:
    configured = getattr(settings, setting, "") or ""
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    if not keys:
        digest = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(text: str, *, setting: str, purpose: str) -> str:
    """A Fernet token of ``text`` under the key in ``settings.<setting>``."""
    return _fernet(setting, purpose).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, setting: str, purpose: str) -> str:
    """``text`` back from a token ``encrypt`` made; raises ``InvalidToken`` for a wrong key."""
    return _fernet(setting, purpose).decrypt(token.encode("ascii")).decode("utf-8")
