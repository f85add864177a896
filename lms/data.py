"""Payloads of the LMS's events and API: frozen dataclasses, standard library only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CourseSummary:
    id: str
    title: str
    content_creator_id: str


@dataclass(frozen=True)
class DemoSeed:
    users: dict[str, str]
    logins: dict[str, str]
    courses: tuple[CourseSummary, ...]
