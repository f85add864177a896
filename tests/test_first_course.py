"""A brand-new buyer's first course, from sign-up to certificate, with nobody naming an
instructor: the LMS assigns one on approval, and her work reaches that instructor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lms.models import (
    Certificate,
    CourseInstructor,
    Enrollment,
    EnrollmentInstructorChange,
    Submission,
)
from lms.services import enrollment_approve, enrollment_start, submission_submit
from lms.tests.factories import CourseInstructorFactory, EnrollmentFactory, StaffFactory
from payouts import api as payouts_api
from tests.lifecycle import course_for_sale, enrollment_of, learner, purchase
from tests.test_lifecycle import graded_course, nothing_wrong, shares


@pytest.mark.django_db(transaction=True)
def test_a_new_buyer_approved_by_staff_is_taught_graded_and_certified(client):
    student, staff = learner("nora"), StaffFactory()
    _course, item, lesson, instructor = graded_course()

    order_item = purchase(student, item)
    # Staff approve in the queue without naming an instructor.
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)

    enrollment = enrollment_of(order_item)
    assert enrollment.instructor == instructor
    assert (
        EnrollmentInstructorChange.objects.get(enrollment=enrollment).new_instructor == instructor
    )
    enrollment = enrollment_start(enrollment=enrollment, actor=student)
    submission = submission_submit(enrollment=enrollment, lesson=lesson, actor=student,
                                   text="My answer")  # fmt: skip

    client.force_login(instructor)
    desk = client.get(reverse("lms:teaching"))
    assert submission in desk.context["submissions"]
    assert enrollment in desk.context["learners"]
    graded = client.post(
        reverse("lms:grade", args=[submission.public_id]), {"score": 92, "feedback": "Well done"}
    )

    assert graded.status_code == 302
    assert Submission.objects.get(pk=submission.pk).score == 92
    assert enrollment_of(order_item).state == Enrollment.State.COMPLETED
    assert Certificate.objects.filter(enrollment=enrollment).exists()
    assert shares(order_item) == {
        "content-creator": (7717, "confirmed"),
        "instructor": (5788, "confirmed"),
        "platform": (5788, "confirmed"),
    }
    nothing_wrong()


def holders(order_item) -> dict[tuple[str, str], tuple[int, str]]:
    """Per (role, payee), what the item's rows hold now (money passed on holds nothing)."""
    sale = payouts_api.sale_earnings(
        order_id=order_item.order.public_id, order_item_id=order_item.public_id
    )
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for line in sale.lines:
        if line.status == "reassigned":
            continue
        amount, states = found.get((line.role, line.user_id), (0, ""))
        states = ",".join(sorted(set(filter(None, [*states.split(","), line.status]))))
        found[(line.role, line.user_id)] = (amount + line.amount, states)
    return found


@pytest.mark.django_db(transaction=True)
def test_the_instructor_pool_follows_the_instructor_approval_assigns():
    course, item = course_for_sale("199.00")
    busy = course.assignments.get().instructor
    EnrollmentFactory(course=course, instructor=busy, state=Enrollment.State.IN_PROGRESS,
                      external_order_id=None, external_order_item_id=None)  # fmt: skip
    idle = CourseInstructorFactory(course=course).instructor
    order_item = purchase(learner(), item)
    # Until the LMS says who teaches her, the course's two instructors share the pool.
    assert holders(order_item)[("instructor", busy.public_id)] == (2894, "pending")

    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())

    assert enrollment_of(order_item).instructor == idle
    assert holders(order_item) == {
        ("content-creator", course.content_creator.public_id): (7717, "pending"),
        ("instructor", idle.public_id): (5788, "pending"),
        ("platform", ""): (5788, "confirmed"),
    }
    nothing_wrong()


@pytest.mark.django_db(transaction=True)
def test_a_course_without_instructors_waits_then_gives_the_pool_to_the_platform_on_approval():
    course, item = course_for_sale("199.00")
    CourseInstructor.objects.filter(course=course).delete()
    order_item = purchase(learner(), item)
    assert holders(order_item)[("instructor", "")] == (5788, "pending")

    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())

    assert holders(order_item) == {
        ("content-creator", course.content_creator.public_id): (7717, "pending"),
        ("platform", ""): (11576, "confirmed"),
    }
    nothing_wrong()
