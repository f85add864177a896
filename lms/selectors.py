"""The LMS's reads: each returns what a page or API needs in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from lms.models import Course, Enrollment, Lesson, Module, User

# States in which a learner may open the course's content.
OPEN_STATES = [
    Enrollment.State.APPROVED,
    Enrollment.State.IN_PROGRESS,
    Enrollment.State.COMPLETED,
]


def enrollments_of(user: User) -> QuerySet[Enrollment]:
    """The learner's enrollments, newest first, with course and instructor."""
    return Enrollment.objects.filter(user=user).select_related(
        "course__content_creator", "instructor", "user"
    )


def enrollments_visible_to(user: User) -> QuerySet[Enrollment]:
    """Staff who may view enrollments see all; anyone else only their own."""
    if user.is_staff and user.has_perm("lms.view_enrollment"):
        return Enrollment.objects.select_related("course__content_creator", "instructor", "user")
    return enrollments_of(user)


def courses_visible_to(user: User) -> QuerySet[Course]:
    """Published courses; staff who may view courses also see drafts and archived ones."""
    courses = Course.objects.select_related("content_creator")
    if user.is_staff and user.has_perm("lms.view_course"):
        return courses
    return courses.filter(status=Course.Status.PUBLISHED)


def enrollment_for_course_page(*, user: User, slug: str) -> Enrollment | None:
    """The learner's open enrollment in the course, with its curriculum in order."""
    lessons = Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
    modules = Prefetch(
        "course__modules",
        queryset=Module.objects.order_by("position", "id").prefetch_related(lessons),
    )
    return (
        Enrollment.objects.filter(user=user, course__slug=slug, state__in=OPEN_STATES)
        .select_related("course__content_creator", "instructor", "user")
        .prefetch_related(modules)
        .order_by("-requested_at")
        .first()
    )
