"""Courses: publishing, archiving, edits of what the catalogue shows, instructors."""

from __future__ import annotations

from django.db import transaction

from lms import events
from lms.data import CourseSynced
from lms.errors import LmsConflict
from lms.models import Course, CourseInstructor, User

# The fields commerce's catalogue copies; an edit of another field is not news to it.
CATALOGUE_FIELDS = {"title", "description", "thumbnail", "content_creator"}


def course_synced(course: Course) -> CourseSynced:
    return CourseSynced(
        id=course.public_id,
        title=course.title,
        description=course.description,
        content_creator_id=course.content_creator.public_id,
        thumbnail=course.thumbnail,
        status=course.status,
    )


@transaction.atomic
def course_publish(*, course: Course) -> Course:
    """Open a draft course to the catalogue and to enrollment; publishes ``course.published``."""
    if course.status != Course.Status.DRAFT:
        raise LmsConflict(
            f"only a draft course can be published; it is {course.status}", field="status"
        )
    course.publish()
    course.save()
    events.course_published.publish(course_synced(course))
    return course


@transaction.atomic
def course_archive(*, course: Course) -> Course:
    """Close a published course; the catalogue hears it as ``course.updated`` with the status."""
    if course.status != Course.Status.PUBLISHED:
        raise LmsConflict(
            f"only a published course can be archived; it is {course.status}", field="status"
        )
    course.archive()
    course.save()
    events.course_updated.publish(course_synced(course))
    return course


@transaction.atomic
def course_details_update(*, course: Course, changed_fields: set[str] | list[str]) -> Course:
    """Save an edited course; a published one announces catalogue changes as ``course.updated``."""
    course.save()
    if course.status != Course.Status.DRAFT and CATALOGUE_FIELDS & set(changed_fields):
        events.course_updated.publish(course_synced(course))
    return course


@transaction.atomic
def course_instructor_assign(*, course: Course, instructor: User) -> CourseInstructor:
    """Let ``instructor`` teach ``course``; assigning twice keeps one assignment."""
    assignment, _ = CourseInstructor.objects.get_or_create(course=course, instructor=instructor)
    return assignment
