"""factory_boy factories for the LMS's models."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Permission

from lms.models import (
    Course,
    CourseInstructor,
    Department,
    Enrollment,
    Lesson,
    Module,
    Submission,
    Thread,
    User,
)

STAFF_PERMISSIONS = [
    "view_enrollment",
    "change_enrollment",
    "approve_enrollment",
    "complete_enrollment",
    "cancel_enrollment",
]


def grant(user: User, *codenames: str) -> User:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="lms", codename__in=codenames)
    )
    return user


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(self, create, value, **kwargs):
        self.set_password(value or "correct horse battery")
        if create:
            self.save(update_fields=["password"])


class StaffFactory(UserFactory):
    """A staff member who may approve, reject, complete, cancel and revoke enrollments."""

    is_staff = True

    @factory.post_generation
    def permissions(self, create, codenames, **kwargs):
        if create:
            grant(self, *(STAFF_PERMISSIONS if codenames is None else codenames))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class CourseFactory(factory.django.DjangoModelFactory):
    """A course; published unless ``status`` says otherwise (set at creation, not by hand later)."""

    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    description = "What you will learn."
    thumbnail = "https://img.example.com/cover.png"
    content_creator = factory.SubFactory(UserFactory)
    status = Course.Status.PUBLISHED


class CourseInstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseInstructor

    course = factory.SubFactory(CourseFactory)
    instructor = factory.SubFactory(UserFactory)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    position = factory.Sequence(lambda n: n)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    position = factory.Sequence(lambda n: n)
    body = "Read this."


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An enrollment created directly in ``state``, standing for one that got there earlier."""

    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    external_order_id = factory.Sequence(lambda n: f"ord_{n:026d}")
    external_order_item_id = factory.Sequence(lambda n: f"oi_{n:026d}")
    state = Enrollment.State.PENDING


def teaching_enrollment(
    *, lessons: int = 0, state=Enrollment.State.IN_PROGRESS, course=None, **course_fields
):
    """An enrollment with its own instructor, who teaches the course (a new one unless given),
    and ``lessons`` more text lessons."""
    course = course or CourseFactory(**course_fields)
    instructor = CourseInstructorFactory(course=course).instructor
    enrollment = EnrollmentFactory(course=course, instructor=instructor, state=state)
    if lessons:
        LessonFactory.create_batch(lessons, module=ModuleFactory(course=course))
    return enrollment


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A text submission, ungraded, to an assignment lesson of the enrollment's course."""

    class Meta:
        model = Submission

    enrollment = factory.SubFactory(EnrollmentFactory, state=Enrollment.State.IN_PROGRESS)
    lesson = factory.LazyAttribute(
        lambda s: LessonFactory(
            module=ModuleFactory(course=s.enrollment.course), kind=Lesson.Kind.ASSIGNMENT
        )
    )
    text = "My answer."


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Question {n}")
    started_by = factory.SubFactory(UserFactory)
