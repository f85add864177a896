"""Demo people, courses and learning for the embedded mode. Running any of it twice changes nothing.

The purchased enrollments come from commerce through the connectors; this module only takes
them further, as staff, learners and instructors would: ``demo_learning`` approves one, takes its
learner partway or to the end, with the instructor grading the exercise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from lms import services
from lms.data import CourseSummary, DemoSeed, EnrollmentStatus
from lms.demo_images import gradient_png
from lms.errors import LmsError, LmsNotFound
from lms.models import Course, Department, Enrollment, Lesson, Module, Submission, Thread, User

# role: (username, first name, last name, email, group)
DEMO_PEOPLE = {
    "staff": ("admin", "Ada", "Admin", "admin@cadence.localhost", "staff"),
    "learner": ("learner", "Lena", "Learner", "learner@cadence.localhost", "learner"),
    "graduate": ("graduate", "Grace", "Graduate", "graduate@cadence.localhost", "learner"),
    "instructor": (
        "instructor",
        "Ivan",
        "Instructor",
        "instructor@cadence.localhost",
        "instructor",
    ),
    "creator": ("creator", "Chloe", "Creator", "creator@cadence.localhost", "creator"),
}

DEMO_COURSES = [
    ("django-for-payments", "Django for Payments",
     "Model money, orders and refunds in Django without losing a cent."),
    ("teaching-online", "Teaching Online That Works",
     "Run discussions, grade fairly and hold live sessions learners remember."),
]  # fmt: skip

# What each course's sales page promises, one outcome a line, and its cover's colours.
DEMO_OUTCOMES = {
    "django-for-payments": "Store money as integer minor units with a currency\n"
    "Take payments and refunds through a processor adapter\n"
    "Split revenue so the parts always add up to the whole\n"
    "Test money code with properties, not just examples",
    "teaching-online": "Run discussions learners want to join\n"
    "Grade fairly and quickly with a clear rubric\n"
    "Hold live sessions people remember",
}
DEMO_COVERS = {
    "django-for-payments": ((47, 75, 216), (23, 112, 58)),
    "teaching-online": ((138, 90, 0), (47, 75, 216)),
}
DEMO_BIOS = {
    "instructor": "Ivan has taught web development for ten years and answers every question "
    "within a day.",
    "creator": "Chloe built payment systems at two start-ups before writing courses about them.",
}
# The tour is a YouTube video, played through youtube-nocookie.com; the welcome is free to
# preview from the sales page.
DEMO_VIDEO_URL = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"

# (title, kind, minutes, free preview)
DEMO_CURRICULUM = [
    ("Getting started",
     [("Welcome", Lesson.Kind.TEXT, 5, True),
      ("A tour in ten minutes", Lesson.Kind.VIDEO, 10, False)]),
    ("Practice",
     [("Your first exercise", Lesson.Kind.ASSIGNMENT, 45, False),
      ("Office hours", Lesson.Kind.LIVE_SESSION, 60, False)]),
]  # fmt: skip

# Enrollments without a purchase: staff enrolled the graduate in the second course for her team.
DEMO_STAFF_ENROLLMENTS = [("graduate", "teaching-online", Enrollment.State.APPROVED)]

DEMO_QUESTION = "Why integers for money?"
DEMO_ANSWER = "I stored amounts as integer cents with an ISO 4217 currency code."


@transaction.atomic
def demo_seed(*, password: str, live_sessions_at: datetime | None = None) -> DemoSeed:
    """People, a department, two published courses and the enrollments staff made.

    ``live_sessions_at``: when the courses' live sessions take place (a week from now if not
    given).
    """
    services.roles_ensure()
    department, _ = Department.objects.get_or_create(
        slug="engineering", defaults={"name": "Engineering"}
    )
    people = {role: _person(role, password, department) for role in DEMO_PEOPLE}
    live_sessions_at = live_sessions_at or timezone.now() + timedelta(days=7)
    courses = {}
    for slug, title, description in DEMO_COURSES:
        course = _course(slug, title, description, people["creator"], live_sessions_at)
        services.course_instructor_assign(course=course, instructor=people["instructor"])
        courses[slug] = course
    for role, slug, state in DEMO_STAFF_ENROLLMENTS:
        _staff_enrollment(people[role], courses[slug], state, staff=people["staff"])
    return DemoSeed(
        users={role: user.public_id for role, user in people.items()},
        logins={role: user.username for role, user in people.items()},
        courses=tuple(
            CourseSummary(
                id=course.public_id,
                title=course.title,
                content_creator_id=course.content_creator.public_id,
            )
            for course in courses.values()
        ),
    )


def _person(role: str, password: str, department: Department) -> User:
    username, first, last, email, group = DEMO_PEOPLE[role]
    user = User.objects.filter(username=username).first()
    if user is None:
        # The user manager announces the new person to the other contexts.
        user = User.objects.create_user(
            username,
            email,
            password,
            first_name=first,
            last_name=last,
            is_staff=role == "staff",
            is_superuser=role == "staff",
            department=department if group == "learner" else None,
        )
    user.groups.add(Group.objects.get(name=group))
    if role in DEMO_BIOS and not user.bio:
        user.bio = DEMO_BIOS[role]
        shade = (47, 75, 216) if role == "creator" else (23, 112, 58)
        user.photo.save("portrait.png", ContentFile(gradient_png(96, 96, shade, (244, 246, 250))))
    return user


def _course(
    slug: str, title: str, description: str, creator: User, live_sessions_at: datetime
) -> Course:
    course = Course.objects.filter(slug=slug).first()
    if course is not None:
        return course
    course = Course.objects.create(
        slug=slug,
        title=title,
        description=description,
        content_creator=creator,
        outcomes=DEMO_OUTCOMES.get(slug, ""),
    )
    top, bottom = DEMO_COVERS.get(slug, ((47, 75, 216), (23, 112, 58)))
    course.image.save("cover.png", ContentFile(gradient_png(480, 270, top, bottom)), save=True)
    for module_position, (module_title, lessons) in enumerate(DEMO_CURRICULUM):
        module = Module.objects.create(course=course, title=module_title, position=module_position)
        for position, (lesson_title, kind, minutes, preview) in enumerate(lessons):
            Lesson.objects.create(
                module=module,
                title=lesson_title,
                kind=kind,
                position=position,
                body=f"{lesson_title}: notes for {title}.",
                video_url=DEMO_VIDEO_URL if kind == Lesson.Kind.VIDEO else "",
                is_preview=preview,
                # Office hours are optional: a session a week ahead cannot hold up the
                # graduate's completion, and it counts only once attended.
                required=kind != Lesson.Kind.LIVE_SESSION,
                starts_at=live_sessions_at if kind == Lesson.Kind.LIVE_SESSION else None,
                duration_minutes=minutes,
            )
    return services.course_publish(course=course)


def _staff_enrollment(user: User, course: Course, state: str, *, staff: User) -> None:
    if Enrollment.objects.filter(user=user, course=course).exists():
        return
    instructor = course.instructors.exclude(pk=user.pk).first()
    enrollment = services.enrollment_enroll(
        user=user, course=course, actor=staff, instructor=instructor
    )
    if state in {Enrollment.State.APPROVED, Enrollment.State.IN_PROGRESS}:
        services.enrollment_approve(enrollment=enrollment, actor=staff)
    if state == Enrollment.State.IN_PROGRESS:
        services.enrollment_start(enrollment=enrollment, actor=user)


# --- the purchased enrollments, taken further -------------------------------------------------

DEMO_STAGES = (Enrollment.State.APPROVED, Enrollment.State.IN_PROGRESS, Enrollment.State.COMPLETED)


@transaction.atomic
def demo_learning(*, user_id: str, course_id: str, stage: str) -> EnrollmentStatus:
    """Take the learner's purchased enrollment in the course to ``stage``, from where it is.

    ``approved``: the demo staff member approves it (giving it the course's instructor).
    ``in_progress``: the learner has read the first lesson, handed in the exercise (waiting in
    the instructor's grading queue) and asked a question (waiting for a reply).
    ``completed``: the learner has done every lesson but the (optional, upcoming) live session
    and the instructor has graded the exercise,
    which completes the course under its completion rule.
    """
    if stage not in DEMO_STAGES:
        raise LmsError(f"must be one of {', '.join(DEMO_STAGES)}", field="stage")
    enrollment = (
        Enrollment.objects.select_related("course", "user")
        .filter(
            user__public_id=user_id,
            course__public_id=course_id,
            source=Enrollment.Source.COMMERCE,
        )
        .order_by("requested_at", "pk")
        .first()
    )
    if enrollment is None:
        raise LmsNotFound("no purchased enrollment of this learner in this course", field="userId")
    before = enrollment.state
    if enrollment.state == Enrollment.State.PENDING:
        _approve_as_staff(enrollment)
    if stage == Enrollment.State.IN_PROGRESS:
        _hand_in_exercise(enrollment)
        _ask_question(enrollment)
    if stage == Enrollment.State.COMPLETED:
        _hand_in_exercise(enrollment)
        _finish(enrollment)
    enrollment.refresh_from_db()
    return EnrollmentStatus(
        enrollment_id=enrollment.public_id,
        status=enrollment.state,
        changed=enrollment.state != before,
    )


def _approve_as_staff(enrollment: Enrollment) -> None:
    staff = User.objects.get(username=DEMO_PEOPLE["staff"][0])
    if enrollment.instructor_id is None:
        instructor = enrollment.course.instructors.exclude(pk=enrollment.user_id).first()
        services.enrollment_instructor_assign(
            enrollment=enrollment, instructor=instructor, actor=staff, reason="demo assignment"
        )
    services.enrollment_approve(enrollment=enrollment, actor=staff)


def _lessons(course: Course):
    return Lesson.objects.filter(module__course=course).order_by("module__position", "position")


def _hand_in_exercise(enrollment: Enrollment) -> None:
    if Submission.objects.filter(enrollment=enrollment).exists():
        return
    learner = enrollment.user
    lessons = _lessons(enrollment.course)
    first = lessons.filter(kind=Lesson.Kind.TEXT).first()
    services.lesson_complete(enrollment=enrollment, lesson=first, actor=learner)
    services.submission_submit(
        enrollment=enrollment,
        lesson=lessons.filter(kind=Lesson.Kind.ASSIGNMENT).first(),
        actor=learner,
        text=DEMO_ANSWER,
    )


def _ask_question(enrollment: Enrollment) -> None:
    learner, course = enrollment.user, enrollment.course
    if Thread.objects.filter(course=course, title=DEMO_QUESTION, started_by=learner).exists():
        return
    services.thread_start(
        course=course,
        actor=learner,
        title=DEMO_QUESTION,
        body="Floats look simpler. What goes wrong with them?",
        lesson=_lessons(course).filter(kind=Lesson.Kind.TEXT).first(),
    )


def _finish(enrollment: Enrollment) -> None:
    enrollment.refresh_from_db()
    if enrollment.state == Enrollment.State.COMPLETED:
        return
    lessons = _lessons(enrollment.course).exclude(
        kind__in=[Lesson.Kind.ASSIGNMENT, Lesson.Kind.LIVE_SESSION]
    )
    for lesson in lessons:
        services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=enrollment.user)
    submission = Submission.objects.get(enrollment=enrollment)
    services.submission_grade(
        submission=submission,
        actor=enrollment.instructor,
        score=92,
        feedback="Exactly right: integers and a currency code.",
    )
