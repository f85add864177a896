"""The LMS's reads: each returns what a page or API needs in a fixed number of queries."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from lms.models import (
    Attendance,
    Certificate,
    Course,
    CourseInstructor,
    Enrollment,
    EnrollmentInstructorChange,
    Interaction,
    Lesson,
    LessonCompletion,
    LessonResource,
    Post,
    SignUpRequest,
    Submission,
    Thread,
    User,
)
from lms.progress import Progress, progress_of

# States in which a learner may open the course's content.
OPEN_STATES = [
    Enrollment.State.APPROVED,
    Enrollment.State.IN_PROGRESS,
    Enrollment.State.COMPLETED,
]


def enrollments_of(user: User) -> QuerySet[Enrollment]:
    """The learner's enrollments, newest first, with course, instructor and certificate."""
    return Enrollment.objects.filter(user=user).select_related(
        "course__content_creator", "instructor", "user", "certificate"
    )


def _may_view_all(user: User) -> bool:
    return user.is_staff and user.has_perm("lms.view_enrollment")


def courses_visible_to(user: User) -> QuerySet[Course]:
    """Published courses; staff who may view courses also see drafts and archived ones."""
    courses = Course.objects.select_related("content_creator")
    if user.is_staff and user.has_perm("lms.view_course"):
        return courses
    return courses.filter(status=Course.Status.PUBLISHED)


def enrollment_for_course_page(*, user: User, slug: str) -> Enrollment | None:
    """The learner's open enrollment in the course (approved or further), with its certificate."""
    return (
        Enrollment.objects.filter(user=user, course__slug=slug, state__in=OPEN_STATES)
        .select_related(
            "course__content_creator", "instructor", "user", "certificate", "last_lesson"
        )
        .order_by("-requested_at")
        .first()
    )


# --- the learning experience --------------------------------------------------------------------


def course_lessons(course_id: int) -> list[Lesson]:
    """The course's lessons in playing order (module, then lesson), with their module: 1 query."""
    return list(
        Lesson.objects.filter(module__course_id=course_id)
        .select_related("module")
        .order_by("module__position", "module__id", "position", "id")
    )


def progress_for(enrollment: Enrollment, lessons: list[Lesson] | None = None) -> Progress:
    """Where the learner stands: 3 queries (lessons, completions, submissions) at most."""
    if lessons is None:
        lessons = course_lessons(enrollment.course_id)
    done_ids = set(
        LessonCompletion.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)
    )
    submissions = list(Submission.objects.filter(enrollment=enrollment))
    return progress_of(
        enrollment=enrollment, lessons=lessons, done_ids=done_ids, submissions=submissions
    )


def enrollments_readable_by(user: User) -> QuerySet[Enrollment]:
    """Enrollments whose progress, grades and work ``user`` may read: their own, those they
    teach, or all for staff with the view permission."""
    enrollments = Enrollment.objects.select_related("course__content_creator", "instructor", "user")
    if _may_view_all(user):
        return enrollments
    return enrollments.filter(Q(user=user) | Q(instructor=user))


def enrollment_values_readable_by(
    user: User, enrollment_id: str, *, fields: Sequence[str]
) -> dict | None:
    """The enrollment with this public id if ``user`` may read it (``enrollments_readable_by``),
    as a dict of only ``fields`` (``QuerySet.values``, related columns as ``course__title``): the
    caller shows those and nothing else, and no model instance is built. 1 query, joining only
    the relations the fields cross, without the ORDER BY that ``first()`` would build."""
    readable = Q(public_id=enrollment_id)
    if not _may_view_all(user):
        readable &= Q(user=user) | Q(instructor=user)
    try:
        return _enrollment_values(tuple(fields)).get(readable)
    except Enrollment.DoesNotExist:
        return None


@functools.cache
def _enrollment_values(fields: tuple[str, ...]) -> QuerySet[dict]:
    """The values query of these fields, built once and never run itself: each read filters (a
    copy of) it, rather than resolving every field through the model's joins again."""
    return Enrollment.objects.values(*fields)


def submissions_readable_by(user: User) -> QuerySet[Submission]:
    """Submissions of the learner's own enrollments, or of the enrollments the instructor
    teaches (staff with the view permission: all)."""
    submissions = Submission.objects.select_related(
        "enrollment__user", "enrollment__course", "enrollment__instructor", "lesson", "graded_by"
    )
    if _may_view_all(user):
        return submissions
    return submissions.filter(Q(enrollment__user=user) | Q(enrollment__instructor=user))


def certificates_readable_by(user: User, *, taught: bool = False) -> QuerySet[Certificate]:
    """Certificates of the learner's own enrollments (and, with ``taught``, of the enrollments
    the instructor teaches); staff with the view permission see all. PDFs use the narrow form:
    only the learner and staff download one."""
    certificates = Certificate.objects.select_related(
        "enrollment__user", "enrollment__course", "enrollment__instructor"
    )
    if _may_view_all(user):
        return certificates
    if taught:
        return certificates.filter(Q(enrollment__user=user) | Q(enrollment__instructor=user))
    return certificates.filter(enrollment__user=user)


def certificate_by_code(code: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("enrollment__course")
        .filter(verification_code=code.strip().upper())
        .first()
    )


def lesson_of_course(*, enrollment: Enrollment, lesson_id: int) -> Lesson | None:
    return (
        Lesson.objects.select_related("module")
        .filter(pk=lesson_id, module__course_id=enrollment.course_id)
        .first()
    )


def threads_of_course(course: Course) -> QuerySet[Thread]:
    return (
        Thread.objects.filter(course=course)
        .select_related("started_by", "lesson")
        .annotate(post_count=Count("posts"))
        .order_by("-last_post_at", "-id")
    )


def thread_for(*, user: User, public_id: str) -> Thread | None:
    """A thread of a course ``user`` learns (approved or further) or teaches."""
    return (
        Thread.objects.select_related("course", "lesson", "started_by")
        .filter(public_id=public_id)
        .filter(
            Q(course__assignments__instructor=user)
            | Q(course__enrollments__user=user, course__enrollments__state__in=OPEN_STATES)
        )
        .distinct()
        .first()
    )


def thread_posts(thread: Thread) -> QuerySet[Post]:
    return thread.posts.select_related("author", "addressed_to").order_by("posted_at", "id")


# --- what instructors see ------------------------------------------------------------------------


def learners_taught_by(user: User, *, course_id: str = "", name: str = "") -> list[Enrollment]:
    """The instructor's learners, per course, with progress counts and the last interaction,
    in a fixed number of queries whatever the number of learners or lessons; optionally of one
    course (public id) or whose name or username contains ``name``."""
    enrollments = Enrollment.objects.filter(instructor=user, state__in=OPEN_STATES)
    if course_id:
        enrollments = enrollments.filter(course__public_id=course_id)
    if name:
        enrollments = enrollments.filter(
            Q(user__first_name__icontains=name)
            | Q(user__last_name__icontains=name)
            | Q(user__username__icontains=name)
        )
    lessons_done = LessonCompletion.objects.filter(enrollment=OuterRef("pk"))
    last_interaction = Interaction.objects.filter(enrollment=OuterRef("pk")).order_by(
        "-occurred_at", "-id"
    )
    lesson_count = Lesson.objects.filter(module__course=OuterRef("course")).order_by()
    return list(
        enrollments.select_related("user", "course")
        .annotate(
            lessons_done=Coalesce(
                Subquery(
                    lessons_done.order_by()
                    .values("enrollment")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
            lesson_total=Coalesce(
                Subquery(
                    lesson_count.values("module__course").annotate(n=Count("pk")).values("n")[:1]
                ),
                0,
            ),
            last_interaction_at=Subquery(last_interaction.values("occurred_at")[:1]),
            last_interaction_kind=Subquery(last_interaction.values("kind")[:1]),
        )
        .order_by("course__title", "user__last_name", "user__username", "id")
    )


def submissions_to_grade_by(user: User) -> QuerySet[Submission]:
    """Ungraded submissions of the instructor's learners, oldest first; for staff who may grade
    any learner, also those of learners nobody teaches (a course without an instructor)."""
    whose = Q(enrollment__instructor=user)
    if user.is_staff and user.has_perm("lms.complete_enrollment"):
        whose |= Q(enrollment__instructor__isnull=True)
    return (
        Submission.objects.filter(
            whose,
            score__isnull=True,
            enrollment__state=Enrollment.State.IN_PROGRESS,
        )
        .select_related("enrollment__user", "enrollment__course", "lesson")
        .order_by("submitted_at", "id")
    )


def threads_awaiting_reply_from(user: User) -> QuerySet[Thread]:
    """Threads of the courses the instructor teaches where a learner has the last word."""
    return (
        Thread.objects.filter(course__assignments__instructor=user, awaiting_reply=True)
        .select_related("course", "started_by", "lesson")
        .order_by("last_post_at", "id")
    )


def live_sessions_taught_by(user: User) -> QuerySet[Lesson]:
    """Live-session lessons of the courses the instructor teaches, soonest first."""
    return (
        Lesson.objects.filter(
            kind=Lesson.Kind.LIVE_SESSION, module__course__assignments__instructor=user
        )
        .select_related("module__course")
        .annotate(attendee_count=Count("attendances"))
        .order_by("starts_at", "id")
    )


def live_session_taught_by(*, user: User, lesson_id: int) -> Lesson | None:
    return live_sessions_taught_by(user).filter(pk=lesson_id).first()


def attendance_of(lesson: Lesson) -> QuerySet[Attendance]:
    return lesson.attendances.select_related("enrollment__user").order_by("recorded_at", "id")


def course_learners(course_id: int) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(course_id=course_id, state__in=OPEN_STATES)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )


def course_for_discussion(*, user: User, slug: str) -> Course | None:
    """The course, if ``user`` teaches it or learns in it (approved or further); ``enrolled``
    says whether they learn in it (else they teach it), for the way back to their own page."""
    learns = Enrollment.objects.filter(course=OuterRef("pk"), user=user, state__in=OPEN_STATES)
    return (
        Course.objects.filter(slug=slug)
        .filter(
            Q(assignments__instructor=user)
            | Q(enrollments__user=user, enrollments__state__in=OPEN_STATES)
        )
        .annotate(enrolled=Exists(learns))
        .distinct()
        .first()
    )


def course_instructor_ids(course_public_id: str) -> tuple[str, ...]:
    """The public ids of the course's assigned instructors, first assigned first (one query)."""
    return tuple(
        CourseInstructor.objects.filter(course__public_id=course_public_id)
        .order_by("assigned_at", "pk")
        .values_list("instructor__public_id", flat=True)
    )


def course_instructor_ids_of(course_public_ids: list[str]) -> dict[str, tuple[str, ...]]:
    """``course_instructor_ids`` of several courses at once (one query); a course without
    instructors (or unknown) maps to ``()``."""
    found: dict[str, list[str]] = {course_id: [] for course_id in course_public_ids}
    rows = (
        CourseInstructor.objects.filter(course__public_id__in=course_public_ids)
        .order_by("assigned_at", "pk")
        .values_list("course__public_id", "instructor__public_id")
    )
    for course_id, instructor_id in rows:
        found[course_id].append(instructor_id)
    return {course_id: tuple(ids) for course_id, ids in found.items()}


def enrollment_exists(enrollment_id: str) -> bool:
    return Enrollment.objects.filter(public_id=enrollment_id).exists()


# The learners an instructor is busy with: approved, or learning now.
ACTIVE_LEARNER_STATES = [Enrollment.State.APPROVED, Enrollment.State.IN_PROGRESS]


def instructor_proposed_for(enrollment: Enrollment) -> User | None:
    """The course instructor the LMS gives a learner who has none (None if the course has none).

    The rule: the instructor with the fewest active learners (approved or in progress) in this
    course; on a tie, the one who was last given a learner of the course longest ago (never
    first), then the one who has taught the course longest. The learner is never their own
    instructor. One query, whatever the number of instructors and learners.
    """
    active = (
        Enrollment.objects.filter(
            course_id=enrollment.course_id,
            instructor=OuterRef("instructor"),
            state__in=ACTIVE_LEARNER_STATES,
        )
        .order_by()
        .values("instructor")
        .annotate(count=Count("pk"))
        .values("count")
    )
    last_given = (
        EnrollmentInstructorChange.objects.filter(
            enrollment__course_id=enrollment.course_id, new_instructor=OuterRef("instructor")
        )
        .order_by("-occurred_at", "-pk")
        .values("occurred_at")[:1]
    )
    assignment = (
        CourseInstructor.objects.filter(course_id=enrollment.course_id)
        .exclude(instructor_id=enrollment.user_id)
        .annotate(
            active_learners=Coalesce(Subquery(active), 0),
            last_given_at=Subquery(last_given),
        )
        .select_related("instructor")
        .order_by(
            "active_learners",
            F("last_given_at").asc(nulls_first=True),
            "assigned_at",
            "pk",
        )
        .first()
    )
    return assignment.instructor if assignment is not None else None


def course_has_instructor(course_id: int) -> bool:
    return CourseInstructor.objects.filter(course_id=course_id).exists()


def purchased_enrollments() -> list[dict]:
    """Every enrollment made for an order item: its ids and state, in one query."""
    return list(
        Enrollment.objects.exclude(external_order_item_id__isnull=True)
        .exclude(external_order_item_id="")
        .order_by("pk")
        .values("public_id", "external_order_id", "external_order_item_id", "state")
    )


def sign_up_request_open(*, token: str) -> SignUpRequest | None:
    """The sign-up a mailed link stands for, unless it expired or was used."""
    return SignUpRequest.objects.open().filter(token_digest=SignUpRequest.digest(token)).first()


def user_by_public_id(public_id: str) -> User | None:
    return User.objects.filter(public_id=public_id).first()


def enrollment_with_learner(public_id: str) -> Enrollment | None:
    return Enrollment.objects.select_related("user", "course").filter(public_id=public_id).first()


def enrollments_with_learner(public_ids: list[str]) -> list[Enrollment]:
    return list(
        Enrollment.objects.select_related("user", "course").filter(public_id__in=public_ids)
    )


# --- lesson media and previews ---------------------------------------------------------------


def lessons_open_to(user) -> QuerySet[Lesson]:
    """Lessons ``user`` may open: the free previews of published courses (anyone, signed in or
    not), and for a signed-in person the lessons of courses they learn (approved or further),
    teach or create; staff who may view courses open all."""
    previews = Q(is_preview=True, module__course__status=Course.Status.PUBLISHED)
    lessons = Lesson.objects.select_related("module__course")
    if not user.is_authenticated:
        return lessons.filter(previews)
    if user.is_staff and user.has_perm("lms.view_course"):
        return lessons
    learns = Enrollment.objects.filter(
        user=user, course=OuterRef("module__course"), state__in=OPEN_STATES
    )
    teaches = CourseInstructor.objects.filter(instructor=user, course=OuterRef("module__course"))
    return lessons.filter(
        previews | Exists(learns) | Exists(teaches) | Q(module__course__content_creator=user)
    )


def preview_lesson(*, slug: str, lesson_id: int) -> Lesson | None:
    """A free preview lesson of a published course, with its course and creator."""
    return (
        Lesson.objects.select_related("module__course__content_creator")
        .filter(
            pk=lesson_id,
            is_preview=True,
            module__course__slug=slug,
            module__course__status=Course.Status.PUBLISHED,
        )
        .first()
    )


def lesson_resources(lesson_id: int) -> list[LessonResource]:
    return list(LessonResource.objects.filter(lesson_id=lesson_id).order_by("position", "id"))


def resource_open_to(*, user, public_id: str) -> LessonResource | None:
    return (
        LessonResource.objects.filter(public_id=public_id, lesson__in=lessons_open_to(user))
        .select_related("lesson")
        .first()
    )


def course_with_image(public_id: str) -> Course | None:
    """A course whose cover image anyone may see: published or archived, not a draft."""
    return (
        Course.objects.exclude(status=Course.Status.DRAFT)
        .exclude(image="")
        .filter(public_id=public_id)
        .first()
    )


def person_with_public_photo(public_id: str) -> User | None:
    """A person whose photo a sales page shows: they make or teach a course that is not a
    draft. Anyone else's photo stays private."""
    shown = Course.objects.exclude(status=Course.Status.DRAFT)
    return (
        User.objects.exclude(photo="")
        .filter(public_id=public_id)
        .filter(
            Exists(shown.filter(content_creator=OuterRef("pk")))
            | Exists(shown.filter(assignments__instructor=OuterRef("pk")))
        )
        .first()
    )


def courses_taught_by(user: User) -> list[Course]:
    """The courses ``user`` is assigned to teach, by title (one query), for the desk's filters."""
    return list(Course.objects.filter(assignments__instructor=user).distinct().order_by("title"))
