"""Courses: publishing, archiving, edits of what the catalogue shows, instructors."""

from __future__ import annotations

from itertools import groupby

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from lms import events
from lms.data import CoursePerson, CourseSynced, OutlineLesson, OutlineModule
from lms.errors import LmsConflict
from lms.models import Course, CourseInstructor, Lesson, User

# The fields commerce's catalogue copies; an edit of another field is not news to it.
CATALOGUE_FIELDS = {"title", "description", "thumbnail", "image", "outcomes", "content_creator"}


def course_image_url(course: Course) -> str:
    """The cover image's address: the uploaded image (served by the LMS), else the given URL."""
    if course.image:
        return reverse("lms:course_image", args=[course.public_id])
    return course.thumbnail


def person_photo_url(user: User) -> str:
    return reverse("lms:person_photo", args=[user.public_id]) if user.photo else ""


def _person(user: User, role: str) -> CoursePerson:
    return CoursePerson(
        id=user.public_id,
        name=user.display_name,
        role=role,
        bio=user.bio,
        photo_url=person_photo_url(user),
    )


def course_outline(course: Course) -> tuple[OutlineModule, ...]:
    lessons = (
        Lesson.objects.filter(module__course=course)
        .select_related("module")
        .order_by("module__position", "module__id", "position", "id")
    )
    return tuple(
        OutlineModule(
            title=module.title,
            lessons=tuple(
                OutlineLesson(
                    title=lesson.title,
                    kind=lesson.get_kind_display(),
                    duration_minutes=lesson.duration_minutes,
                    preview_url=reverse("lms:preview", args=[course.slug, lesson.pk])
                    if lesson.is_preview
                    else "",
                )
                for lesson in group
            ),
        )
        for module, group in groupby(lessons, key=lambda lesson: lesson.module)
    )


def course_synced(course: Course) -> CourseSynced:
    """What the catalogue keeps of the course (three queries: lessons, instructors, creator)."""
    creator = course.content_creator
    instructors = [
        assignment.instructor
        for assignment in CourseInstructor.objects.filter(course=course)
        .select_related("instructor")
        .order_by("assigned_at", "id")
    ]
    return CourseSynced(
        id=course.public_id,
        title=course.title,
        description=course.description,
        content_creator_id=creator.public_id,
        thumbnail=course_image_url(course),
        status=course.status,
        slug=course.slug,
        outcomes=tuple(course.outcome_list),
        outline=course_outline(course),
        people=(
            _person(creator, "creator"),
            *(_person(user, "instructor") for user in instructors if user.pk != creator.pk),
        ),
    )


@transaction.atomic
def course_catalogue_refresh(*, course: Course) -> None:
    """Tell the catalogue the course's sales page changed (its curriculum, instructors or their
    bios); a draft is nobody's news yet."""
    if course.status != Course.Status.DRAFT:
        events.course_updated.publish(course_synced(course))


@transaction.atomic
def courses_of_person_refresh(*, user: User) -> None:
    """A person's name, bio or photo changed: refresh the sales pages that introduce them."""
    courses = Course.objects.filter(
        Q(content_creator=user) | Q(assignments__instructor=user)
    ).exclude(status=Course.Status.DRAFT)
    for course in courses.select_related("content_creator").distinct():
        course_catalogue_refresh(course=course)


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
    assignment, created = CourseInstructor.objects.get_or_create(
        course=course, instructor=instructor
    )
    if created:
        course_catalogue_refresh(course=course)
    return assignment
