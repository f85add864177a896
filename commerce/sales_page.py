"""What a course's sales page shows beyond the catalog item: the curriculum's totals, the
people, and the data search engines and social sites read (schema.org ``Course`` JSON-LD, Open
Graph and Twitter card tags)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cadence.kernel.money import Money
from commerce.models import CatalogItem

# What may not appear raw inside a <script> data block: it could close the element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class Curriculum:
    modules: list[dict]
    lesson_count: int
    total_minutes: int
    preview_count: int

    @property
    def duration(self) -> str:
        hours, minutes = divmod(self.total_minutes, 60)
        if hours and minutes:
            return f"{hours} h {minutes} min"
        return f"{hours} h" if hours else f"{minutes} min"


def curriculum(item: CatalogItem) -> Curriculum:
    modules = []
    lesson_count = total_minutes = preview_count = 0
    for module in item.course.outline or []:
        lessons = module.get("lessons") or []
        minutes = sum(lesson.get("duration_minutes") or 0 for lesson in lessons)
        modules.append({**module, "minutes": minutes})
        lesson_count += len(lessons)
        total_minutes += minutes
        preview_count += sum(1 for lesson in lessons if lesson.get("preview_url"))
    return Curriculum(modules, lesson_count, total_minutes, preview_count)


def people(item: CatalogItem) -> list[dict]:
    """The creator first, then the instructors, each with initials for a missing photo."""
    rows = [
        {**person, "initials": "".join(part[:1] for part in person.get("name", "").split()[:2])}
        for person in item.course.people or []
    ]
    return sorted(rows, key=lambda person: person.get("role") != "creator")


def course_json_ld(
    *, item: CatalogItem, url: str, image_url: str, price: Money | None, people: list[dict]
) -> str:
    """schema.org ``Course`` as a JSON-LD data block's text, safe inside ``<script>``."""
    course = item.course
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": course.title,
        "description": course.description,
        "url": url,
        "courseCode": course.lms_course_id,
        "provider": {"@type": "Organization", "name": "Cadence"},
    }
    if image_url:
        data["image"] = image_url
    creators = [p["name"] for p in people if p.get("role") == "creator"]
    if creators:
        data["creator"] = {"@type": "Person", "name": creators[0]}
    instructors = [p["name"] for p in people if p.get("role") == "instructor"]
    if instructors:
        data["hasCourseInstance"] = {
            "@type": "CourseInstance",
            "courseMode": "online",
            "instructor": [{"@type": "Person", "name": name} for name in instructors],
        }
    if course.outcomes:
        data["teaches"] = list(course.outcomes)
    if price is not None:
        data["offers"] = {
            "@type": "Offer",
            "category": "Paid" if price.minor else "Free",
            "price": price.to_decimal_string(),
            "priceCurrency": price.currency,
            "availability": "https://schema.org/InStock",
            "url": url,
        }
    return json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
