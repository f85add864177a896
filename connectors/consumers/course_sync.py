"""Course Sync: the LMS's published courses → commerce's catalogue cache."""

from __future__ import annotations

from cadence.kernel.events import EventEnvelope
from commerce import api as commerce_api
from connectors import registry
from lms.data import CourseSynced
from lms.events import course_published, course_updated

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
    )


registry.subscribe(course_published, name="commerce:course-published")(catalog_course_sync)
registry.subscribe(course_updated, name="commerce:course-updated")(catalog_course_sync)
