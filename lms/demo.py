"""Demo people, courses and enrollments for the embedded mode. Running it twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from lms import services
from lms.data import CourseSummary, DemoSeed
from lms.models import Course, Department, Enrollment, Lesson, Module, Thread, User

DEMO_PEOPLE = {
    "staff": ("admin", "Ada", "Admin", "admin@cadence.localhost"),
    "learner": ("learner", "Lena", "Learner", "learner@cadence.localhost"),
    "instructor": ("instructor", "Ivan", "Instructor", "instructor@cadence.localhost"),
    "creator": ("creator", "Chloe", "Creator", "creator@cadence.localhost"),
}

DEMO_COURSES = [
    ("django-for-payments", "Django for Payments",
     "Model money, orders and refunds in Django without losing a cent."),
    ("teaching-online", "Teaching Online That Works",
     "Run discussions, grade fairly and hold live sessions learners remember."),
]  # fmt: skip

DEMO_CURRICULUM = [
    ("Getting started",
     [("Welcome", Lesson.Kind.TEXT), ("A tour in ten minutes", Lesson.Kind.VIDEO)]),
    ("Practice",
     [("Your first exercise", Lesson.Kind.ASSIGNMENT), ("Office hours", Lesson.Kind.LIVE_SESSION)]),
]  # fmt: skip

# (role, course slug, state to reach): so that the approvals queue and "My learning" show a mix.
DEMO_ENROLLMENTS = [
    ("learner", "django-for-payments", Enrollment.State.IN_PROGRESS),
    ("learner", "teaching-online", Enrollment.State.PENDING),
    ("instructor", "teaching-online", Enrollment.State.APPROVED),
    ("creator", "django-for-payments", Enrollment.State.PENDING),
]


@transaction.atomic
def demo_seed(*, password: str) -> DemoSeed:
    services.roles_ensure()
    department, _ = Department.objects.get_or_create(
        slug="engineering", defaults={"name": "Engineering"}
    )
    people = {role: _person(role, password, department) for role in DEMO_PEOPLE}
    courses = {}
    for slug, title, description in DEMO_COURSES:
        course = _course(slug, title, description, people["creator"])
        services.course_instructor_assign(course=course, instructor=people["instructor"])
        courses[slug] = course
    for role, slug, state in DEMO_ENROLLMENTS:
        _enrollment(people[role], courses[slug], state, staff=people["staff"])
    _learner_partway(people["learner"], courses["django-for-payments"], people["instructor"])
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
    username, first, last, email = DEMO_PEOPLE[role]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=first, last_name=last, email=email)
        user.set_password(password)
        user.is_staff = user.is_superuser = role == "staff"
        user.department = department if role == "learner" else None
        user.save()
        services.user_announce(user=user, created=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def _course(slug: str, title: str, description: str, creator: User) -> Course:
    course = Course.objects.filter(slug=slug).first()
    if course is not None:
        return course
    course = Course.objects.create(
        slug=slug, title=title, description=description, content_creator=creator
    )
    for module_position, (module_title, lessons) in enumerate(DEMO_CURRICULUM):
        module = Module.objects.create(course=course, title=module_title, position=module_position)
        for position, (lesson_title, kind) in enumerate(lessons):
            Lesson.objects.create(
                module=module,
                title=lesson_title,
                kind=kind,
                position=position,
                body=f"{lesson_title}: notes for {title}.",
                video_url="https://video.cadence.localhost/tour"
                if kind == Lesson.Kind.VIDEO
                else "",
                # Live sessions are scheduled a week after the demo is seeded.
                starts_at=timezone.now() + timedelta(days=7)
                if kind == Lesson.Kind.LIVE_SESSION
                else None,
                duration_minutes=60 if kind == Lesson.Kind.LIVE_SESSION else None,
            )
    return services.course_publish(course=course)


def _enrollment(user: User, course: Course, state: str, *, staff: User) -> None:
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


DEMO_QUESTION = "Why integers for money?"


def _learner_partway(learner: User, course: Course, instructor: User) -> None:
    """The learner has read the first lesson, handed in the exercise (waiting in the
    instructor's grading queue) and asked a question (waiting for a reply)."""
    if Thread.objects.filter(course=course, title=DEMO_QUESTION).exists():
        return
    enrollment = Enrollment.objects.get(
        user=learner, course=course, state=Enrollment.State.IN_PROGRESS
    )
    lessons = Lesson.objects.filter(module__course=course).order_by("module__position", "position")
    first = lessons.filter(kind=Lesson.Kind.TEXT).first()
    services.lesson_complete(enrollment=enrollment, lesson=first, actor=learner)
    assignment = lessons.filter(kind=Lesson.Kind.ASSIGNMENT).first()
    services.submission_submit(
        enrollment=enrollment,
        lesson=assignment,
        actor=learner,
        text="I stored amounts as integer cents with an ISO 4217 currency code.",
    )
    services.thread_start(
        course=course,
        actor=learner,
        title=DEMO_QUESTION,
        body="Floats look simpler. What goes wrong with them?",
        lesson=first,
    )
