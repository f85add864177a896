"""Demo people and courses for the embedded mode. Running it twice changes nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from lms.data import CourseSummary, DemoSeed
from lms.models import Course, Department

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


@transaction.atomic
def demo_seed(*, password: str) -> DemoSeed:
    User = get_user_model()
    people = {}
    for role, (username, first, last, email) in DEMO_PEOPLE.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": email},
        )
        if created:
            user.set_password(password)
            user.is_staff = user.is_superuser = role == "staff"
            user.save()
        people[role] = user

    Department.objects.get_or_create(slug="engineering", defaults={"name": "Engineering"})
    courses = []
    for slug, title, description in DEMO_COURSES:
        course, _ = Course.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "description": description,
                "content_creator": people["creator"],
                "status": Course.Status.PUBLISHED,
            },
        )
        courses.append(
            CourseSummary(
                id=course.public_id,
                title=course.title,
                content_creator_id=course.content_creator.public_id,
            )
        )
    return DemoSeed(
        users={role: user.public_id for role, user in people.items()},
        logins={role: user.username for role, user in people.items()},
        courses=tuple(courses),
    )
