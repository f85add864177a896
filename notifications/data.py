"""Payloads of the notifications api: frozen dataclasses, standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipient:
    user_id: str
    email: str
    name: str


@dataclass(frozen=True)
class NotificationRequest:
    """One thing to tell one person. ``kind`` is one of ``notifications.api.KINDS``;
    ``subject_id`` names what it is about (with recipient and kind: once only); ``facts`` fill
    in the kind's wording (course_title, order_id, amount, reason…); ``link`` is a site path."""

    recipient: Recipient
    kind: str
    subject_id: str
    facts: dict[str, str] = field(default_factory=dict)
    link: str = ""
