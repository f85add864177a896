"""Prefixed public ids for everything that crosses a context boundary.

A public id is ``<prefix>_<26 characters>``: a 48-bit millisecond timestamp and 80 random bits in
Crockford base32, lower case. They sort by creation time, carry no database key, and say what they
name (``usr_``, ``crs_``, ``ord_``, ``oi_``, ``enr_``, ``po_`` …).
"""

from __future__ import annotations

import re
import secrets
import time

from django.db import models
from django.utils.deconstruct import deconstructible

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_PREFIX = re.compile(r"^[a-z][a-z0-9]{0,7}$")
BODY_LENGTH = 26


def new_public_id(prefix: str) -> str:
    if not _PREFIX.match(prefix):
        raise ValueError(f"public id prefix must be 1-8 lower-case letters or digits: {prefix!r}")
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(BODY_LENGTH):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return f"{prefix}_{''.join(reversed(chars))}"


def is_public_id(value: object, prefix: str) -> bool:
    if not isinstance(value, str) or not value.startswith(prefix + "_"):
        return False
    body = value[len(prefix) + 1 :]
    return len(body) == BODY_LENGTH and all(c in _ALPHABET for c in body)


@deconstructible
class PublicIdGenerator:
    """A migration-serialisable default that makes a fresh id with one prefix."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self) -> str:
        return new_public_id(self.prefix)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicIdGenerator) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


class PublicIdField(models.CharField):
    """A unique, read-only, prefixed public id, filled in when the object is built."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", len(prefix) + 1 + BODY_LENGTH)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        kwargs["default"] = PublicIdGenerator(prefix)
        super().__init__(**kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("default", None)
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs
