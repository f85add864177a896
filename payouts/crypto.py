"""Encryption of a payee's secrets at rest: taxpayer ids, bank account numbers and the payout
files that carry them.

Both under ``PAYOUTS_TIN_ENCRYPTION_KEY`` (a Fernet key, from the environment; several, comma
separated, to rotate). Without one, the embedded mode derives a key from ``SECRET_KEY`` so that
the project runs on a fresh clone; production sets its own.
"""

from __future__ import annotations

from cadence.kernel.encryption import decrypt, encrypt

# The purpose the embedded mode's key has always been derived with: changing it would make every
# stored value unreadable.
_KEY = {"setting": "PAYOUTS_TIN_ENCRYPTION_KEY", "purpose": "payouts-tin"}


def tin_encrypt(tin: str) -> str:
    return encrypt(tin, **_KEY)


def tin_decrypt(token: str) -> str:
    return decrypt(token, **_KEY)


def account_number_encrypt(number: str) -> str:
    """A bank account number (ACH) or IBAN (wire), encrypted like a TIN."""
    return encrypt(number, **_KEY)


def account_number_decrypt(token: str) -> str:
    return decrypt(token, **_KEY)


def payout_file_encrypt(content: str) -> str:
    """A NACHA file or wire instructions, which hold the account number in clear for the bank."""
    return encrypt(content, **_KEY)


def payout_file_decrypt(token: str) -> str:
    return decrypt(token, **_KEY)
