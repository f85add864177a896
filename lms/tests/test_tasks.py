"""The auto-approval task: after commit, through a real worker, and safe to run concurrently."""

import threading
import time

import pytest
from django.db import connection

from lms import api, services
from lms.data import PendingEnrollmentRequest
from lms.models import Enrollment, EnrollmentTransition
from lms.tests.factories import CourseFactory, EnrollmentFactory, StaffFactory, UserFactory


def wait_for(predicate, *, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s")


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_a_real_worker_auto_approves_after_the_request_commits(celery_worker):
    user, course = UserFactory(), CourseFactory(requires_approval=False)

    receipt = api.enrollment_request(
        PendingEnrollmentRequest(
            external_order_id="ord_worker",
            external_order_item_id="oi_worker",
            user_id=user.public_id,
            course_id=course.public_id,
            auto_approve=True,
        )
    )

    assert receipt.status == "pending"
    wait_for(lambda: Enrollment.objects.filter(state=Enrollment.State.APPROVED).exists())
    assert Enrollment.objects.get().approved_by == "auto-approval"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_concurrent_runs_of_the_workflow_approve_once():
    enrollment = EnrollmentFactory(course=CourseFactory(requires_approval=False))
    barrier = threading.Barrier(5)
    errors = []

    def run():
        try:
            barrier.wait()
            services.enrollment_auto_approve(enrollment_pk=enrollment.pk)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Enrollment.objects.get().state == Enrollment.State.APPROVED
    assert EnrollmentTransition.objects.filter(name="approve").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_at_once_approve_once_and_one_is_told_why():
    enrollment = EnrollmentFactory()
    copies = [Enrollment.objects.get(pk=enrollment.pk) for _ in range(2)]
    staff = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(copy, person):
        try:
            barrier.wait()
            services.enrollment_approve(enrollment=copy, actor=person)
            outcomes.append("approved")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=pair) for pair in zip(copies, staff, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["LmsConflict", "approved"]
    assert EnrollmentTransition.objects.filter(name="approve").count() == 1


@pytest.mark.django_db
def test_one_enrollment_whose_auto_approval_fails_leaves_the_others_approved():
    approved = EnrollmentFactory(state="pending", course=CourseFactory(requires_approval=False))
    missing_pk = approved.pk + 1000

    states = services.enrollments_auto_approve(enrollment_pks=[missing_pk, approved.pk])

    assert states == ["failed", "approved"]
    approved.refresh_from_db()
    assert approved.state == "approved"
