"""Discussions: threads per course (or lesson), posts, and the replies that count as interactions.

An instructor's reply counts as an interaction with one learner: the one it is addressed to, or
else the learner who started the thread. It counts for the enrollment that instructor teaches;
a reply to a learner taught by someone else helps the learner but is not that enrollment's
evidence (payouts pays the enrollment's own instructor).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from lms.errors import LmsError, LmsPermissionDenied
from lms.models import (
    Course,
    CourseInstructor,
    Enrollment,
    Interaction,
    Lesson,
    Post,
    Thread,
    User,
)
from lms.services.interactions import interaction_record

# Learners of these states take part in their course's discussions.
DISCUSSION_STATES = [
    Enrollment.State.APPROVED,
    Enrollment.State.IN_PROGRESS,
    Enrollment.State.COMPLETED,
]


def teaches(*, user: User, course: Course) -> bool:
    return CourseInstructor.objects.filter(course=course, instructor=user).exists()


def _learner_enrollment(user: User, course: Course) -> Enrollment | None:
    return (
        Enrollment.objects.select_related("user", "course")
        .filter(user=user, course=course, state__in=DISCUSSION_STATES)
        .order_by("-requested_at")
        .first()
    )


def _body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise LmsError("is required: write something", field="body")
    if len(body) > 10_000:
        raise LmsError("must be at most 10,000 characters", field="body")
    return body


@transaction.atomic
def thread_start(
    *, course: Course, actor: User, title: str, body: str, lesson: Lesson | None = None
) -> Thread:
    """Open a thread in a course (about one of its lessons, if given) with its first post."""
    title = (title or "").strip()
    if not title:
        raise LmsError("is required", field="title")
    if len(title) > 200:
        raise LmsError("must be at most 200 characters", field="title")
    body = _body(body)
    if lesson is not None and lesson.module.course_id != course.pk:
        raise LmsError("is not a lesson of this course", field="lesson")
    instructor = teaches(user=actor, course=course)
    if not instructor and _learner_enrollment(actor, course) is None:
        raise LmsPermissionDenied(
            "only the course's learners and instructors take part", field="course"
        )
    now = timezone.now()
    thread = Thread.objects.create(
        course=course,
        lesson=lesson,
        title=title,
        started_by=actor,
        created_at=now,
        last_post_at=now,
        awaiting_reply=not instructor,
    )
    Post.objects.create(thread=thread, author=actor, body=body, posted_at=now)
    return thread


@transaction.atomic
def thread_reply(
    *, thread: Thread, actor: User, body: str, addressed_to: User | None = None
) -> Post:
    """Post in a thread. An instructor's reply may name the learner it answers.

    The enrollment's instructor replying to its learner publishes a ``discussion-reply``
    interaction, once per post.
    """
    body = _body(body)
    course = thread.course
    instructor = teaches(user=actor, course=course)
    if not instructor and _learner_enrollment(actor, course) is None:
        raise LmsPermissionDenied(
            "only the course's learners and instructors take part", field="thread"
        )
    learner_enrollment = None
    if addressed_to is not None:
        if not instructor:
            raise LmsPermissionDenied("only instructors address a reply", field="addressedTo")
        learner_enrollment = _learner_enrollment(addressed_to, course)
        if learner_enrollment is None:
            raise LmsError("is not a learner of this course", field="addressedTo")
    elif instructor and thread.started_by_id != actor.pk:
        learner_enrollment = _learner_enrollment(thread.started_by, course)
    now = timezone.now()
    post = Post.objects.create(
        thread=thread, author=actor, addressed_to=addressed_to, body=body, posted_at=now
    )
    Thread.objects.filter(pk=thread.pk).update(last_post_at=now, awaiting_reply=not instructor)
    if (
        instructor
        and learner_enrollment is not None
        and learner_enrollment.instructor_id == actor.pk
    ):
        interaction_record(
            enrollment=learner_enrollment,
            instructor=actor,
            kind=Interaction.Kind.DISCUSSION_REPLY,
            amount=1,
            source_key=f"discussion-reply:{post.public_id}",
            occurred_at=now,
        )
    return post
