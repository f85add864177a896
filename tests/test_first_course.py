"""A brand-new buyer's first course, from sign-up to certificate, with nobody naming an
instructor: the LMS assigns one on approval, and her work reaches that instructor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lms.models import Certificate, Enrollment, EnrollmentInstructorChange, Submission
from lms.services import enrollment_approve, lesson_open, submission_submit
from lms.tests.factories import StaffFactory
from tests.lifecycle import enrollment_of, learner, purchase
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
    enrollment = lesson_open(enrollment=enrollment, lesson=lesson, actor=student)
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
