"""Course Sync: the LMS's published courses → commerce's catalogue cache (with what the sales
page shows) and payouts' course names (for its earnings statements)."""

from __future__ import annotations

from cadence.kernel.events import EventEnvelope
from commerce import api as commerce_api
from commerce.data import SalesLesson, SalesModule, SalesPerson
from connectors import registry
from lms.data import CourseSynced
from lms.events import course_published, course_updated
from payouts import api as payouts_api

PUBLISHED = "published"


def catalog_course_sync(envelope: EventEnvelope) -> None:
    """Upsert the catalogue's copy of the course as of the event.

    The event's time is the sync time, so a late or replayed older event never overwrites a newer
    one; a course no longer published (archived) goes off sale.
    """
    course: CourseSynced = envelope.payload
    commerce_api.catalog_course_upsert(
        course_id=course.id,
        title=course.title,
        content_creator_id=course.content_creator_id,
        description=course.description,
        thumbnail=course.thumbnail,
        is_published=course.status == PUBLISHED,
        synced_at=envelope.occurred_at,
        slug=course.slug,
        outcomes=course.outcomes,
        outline=tuple(
            SalesModule(
                title=module.title,
                lessons=tuple(
                    SalesLesson(
                        title=lesson.title,
                        kind=lesson.kind,
                        duration_minutes=lesson.duration_minutes,
                        preview_url=lesson.preview_url,
                    )
                    for lesson in module.lessons
                ),
            )
            for module in course.outline
        ),
        people=tuple(
            SalesPerson(
                id=person.id,
                name=person.name,
                role=person.role,
                bio=person.bio,
                photo_url=person.photo_url,
            )
            for person in course.people
        ),
    )


def payouts_course_name_sync(envelope: EventEnvelope) -> None:
    """Keep payouts' name of the course current, for the statements its payees read."""
    course: CourseSynced = envelope.payload
    payouts_api.course_name_upsert(
        course_id=course.id, title=course.title, synced_at=envelope.occurred_at
    )


registry.subscribe(course_published, name="commerce:course-published")(catalog_course_sync)
registry.subscribe(course_updated, name="commerce:course-updated")(catalog_course_sync)
registry.subscribe(course_published, name="payouts:course-published")(payouts_course_name_sync)
registry.subscribe(course_updated, name="payouts:course-updated")(payouts_course_name_sync)
