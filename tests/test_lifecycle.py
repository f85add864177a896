"""The whole life of a sale across commerce, the LMS and payouts, through the connectors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from commerce.services import refund_issue
from connectors.reconciliation import reconcile
from lms.models import Enrollment, Lesson
from lms.services import (
    enrollment_approve,
    enrollment_instructor_assign,
    enrollment_start,
    submission_grade,
    submission_submit,
)
from lms.tests.factories import LessonFactory, ModuleFactory, StaffFactory
from payouts import api as payouts_api
from tests.lifecycle import course_for_sale, deliver_all, enrollment_of, learner, purchase


def shares(order_item) -> dict[str, tuple[int, str]]:
    """Payouts' view of the sale: per role, the total of its rows and their states."""
    sale = payouts_api.sale_earnings(
        order_id=order_item.order.public_id, order_item_id=order_item.public_id
    )
    found: dict[str, tuple[int, str]] = {}
    for line in sale.lines:
        amount, states = found.get(line.role, (0, ""))
        states = ",".join(sorted(set(filter(None, [*states.split(","), line.status]))))
        found[line.role] = (amount + line.amount, states)
    return found


def nothing_wrong() -> None:
    """Reconciliation and the payouts ledger check agree with the state reached."""
    assert reconcile(repair=False) == []
    call_command("verify_ledger", stdout=StringIO())  # raises CommandError on any problem


def graded_course():
    """The $199 course with one required assignment and one instructor."""
    course, item = course_for_sale("199.00")
    lesson = LessonFactory(module=ModuleFactory(course=course), kind=Lesson.Kind.ASSIGNMENT)
    return course, item, lesson, course.assignments.get().instructor


def learn_and_get_graded(order_item, lesson, instructor, student, staff):
    enrollment_instructor_assign(
        enrollment=enrollment_of(order_item), instructor=instructor, actor=staff
    )
    enrollment = enrollment_start(enrollment=enrollment_of(order_item), actor=student)
    submission = submission_submit(
        enrollment=enrollment, lesson=lesson, actor=student, text="My answer"
    )
    submission_grade(submission=submission, actor=instructor, score=92, feedback="Well done")


@pytest.mark.django_db(transaction=True)
def test_the_199_dollar_course_from_purchase_through_completion_to_refund():
    student, staff = learner(), StaffFactory()
    _course, item, lesson, instructor = graded_course()

    order_item = purchase(student, item)

    assert enrollment_of(order_item).state == Enrollment.State.PENDING
    nothing_wrong()
    # $199.00 less the processor's 2.9% + $0.30 ($6.07) is $192.93, split 40/30/30.
    assert shares(order_item) == {
        "content-creator": (7717, "pending"),
        "instructor": (5788, "pending"),
        "platform": (5788, "pending"),
    }

    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    assert shares(order_item)["platform"] == (5788, "confirmed")
    assert shares(order_item)["content-creator"] == (7717, "pending")
    nothing_wrong()

    learn_and_get_graded(order_item, lesson, instructor, student, staff)

    assert enrollment_of(order_item).state == Enrollment.State.COMPLETED
    assert shares(order_item) == {
        "content-creator": (7717, "confirmed"),
        "instructor": (5788, "confirmed"),
        "platform": (5788, "confirmed"),
    }
    nothing_wrong()

    refund_issue(order_item_id=order_item.public_id, reason="Chargeback")

    assert enrollment_of(order_item).state == Enrollment.State.REVOKED
    assert {role: status for role, (_amount, status) in shares(order_item).items()} == {
        "content-creator": "reversed",
        "instructor": "reversed",
        "platform": "reversed",
    }
    nothing_wrong()


def _lifecycle_waiting(monkeypatch):
    """The same life with no delivery kicked: every event waits in the outbox."""
    student, staff = learner(), StaffFactory()
    _course, item, lesson, instructor = graded_course()
    with monkeypatch.context() as patched:
        patched.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
        order_item = purchase(student, item)
        deliver_all(shuffled=True)  # staff can only act on an enrollment that exists
        enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
        learn_and_get_graded(order_item, lesson, instructor, student, staff)
    return order_item


def _end_state(order_item):
    return enrollment_of(order_item).state, shares(order_item)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [11, 12])
def test_the_life_delivered_twice_and_shuffled_ends_as_delivered_in_order(monkeypatch, seed):
    in_order = _lifecycle_waiting(monkeypatch)
    deliver_all()
    shuffled = _lifecycle_waiting(monkeypatch)
    deliver_all(shuffled=True, twice=True, seed=seed)

    assert _end_state(in_order) == _end_state(shuffled)
    assert _end_state(shuffled) == (
        Enrollment.State.COMPLETED,
        {
            "content-creator": (7717, "confirmed"),
            "instructor": (5788, "confirmed"),
            "platform": (5788, "confirmed"),
        },
    )


@pytest.mark.django_db(transaction=True)
def test_a_refund_after_the_payout_nets_the_paid_shares_from_the_next_payout():
    from datetime import timedelta

    from django.utils import timezone

    from payouts.services.batches import payout_batch_run
    from payouts.tests.helpers import payee_ready

    student, staff = learner(), StaffFactory()
    course, item, lesson, instructor = graded_course()
    order_item = purchase(student, item)
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    learn_and_get_graded(order_item, lesson, instructor, student, staff)
    payee_ready(course.content_creator.public_id)
    payee_ready(instructor.public_id)

    # After the 30-day hold the batch pays the creator and the instructor.
    payout_batch_run(now=timezone.now() + timedelta(days=31))
    assert shares(order_item) == {
        "content-creator": (7717, "paid"),
        "instructor": (5788, "paid"),
        "platform": (5788, "confirmed"),
    }
    nothing_wrong()

    refund_issue(order_item_id=order_item.public_id, reason="Chargeback")

    # What was paid stays paid; a confirmed negative row takes it back from the next payout.
    assert shares(order_item) == {
        "content-creator": (0, "confirmed,paid"),
        "instructor": (0, "confirmed,paid"),
        "platform": (5788, "reversed"),
    }
    assert enrollment_of(order_item).state == Enrollment.State.REVOKED
    nothing_wrong()


@pytest.mark.django_db(transaction=True)
def test_after_a_refund_the_certificate_pdf_is_marked_revoked_like_its_verify_page(client):
    import io

    from pypdf import PdfReader

    student, staff = learner(), StaffFactory()
    _course, item, lesson, instructor = graded_course()
    order_item = purchase(student, item)
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    learn_and_get_graded(order_item, lesson, instructor, student, staff)
    certificate = enrollment_of(order_item).certificate
    client.force_login(student)

    refund_issue(order_item_id=order_item.public_id, reason="Chargeback")

    revoked_on = enrollment_of(order_item).certificate.revoked_at
    verify = client.get(f"/certificates/{certificate.verification_code}/").content.decode()
    assert f"This certificate was revoked on {revoked_on:%-d %B %Y}." in verify
    pdf = client.get(f"/learning/certificates/{certificate.verification_code}/pdf/").content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "REVOKED" in text and f"Revoked on {revoked_on:%-d %B %Y}" in text
    assert "Certificate revoked on" in client.get("/learning/").content.decode()
