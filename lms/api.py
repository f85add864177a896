"""The LMS's only entry point for other code: takes and returns ``lms.data`` types."""

from __future__ import annotations

from datetime import datetime

from lms import demo, errors, selectors, services
from lms.data import (
    DemoSeed,
    EnrollmentContact,
    EnrollmentReceipt,
    EnrollmentStatus,
    PendingEnrollmentRequest,
    PurchasedEnrollment,
    UserContact,
)

# The codes of the ``enrollment_request`` refusals that repeating the request will not change.
ENROLLMENT_REFUSED_FOR_GOOD: frozenset[str] = errors.ENROLLMENT_REFUSED_FOR_GOOD


def seed_demo(*, password: str, live_sessions_at: datetime | None = None) -> DemoSeed:
    """Create (or find) the demo people, department, published courses (their live sessions at
    ``live_sessions_at``, a week from now by default) and the enrollments staff made."""
    return demo.demo_seed(password=password, live_sessions_at=live_sessions_at)


def seed_demo_learning(*, user_id: str, course_id: str, stage: str) -> EnrollmentStatus:
    """Take the learner's purchased enrollment to ``stage`` as the demo's people would:
    ``approved`` (by staff), ``in_progress`` (partway, work waiting for the instructor) or
    ``completed`` (the instructor graded the exercise). Idempotent; refuses an unknown stage
    (``stage``) or a learner without a purchased enrollment in the course (``userId``)."""
    return demo.demo_learning(user_id=user_id, course_id=course_id, stage=stage)


def enrollment_request(request: PendingEnrollmentRequest) -> EnrollmentReceipt:
    """Connector 1: create the pending enrollment a paid order item asks for.

    Idempotent on (external order id, external order item id): a repeat returns the same
    enrollment, the same key for another user or course raises a conflict naming
    ``externalOrderItemId``. Unknown user, unknown or unpublished course and an instructor who does
    not teach the course are refused naming ``userId``, ``courseId`` or ``instructorId``, with
    nothing created. With ``auto_approve`` the approval workflow runs after commit.

    A refusal whose ``code`` is in ``ENROLLMENT_REFUSED_FOR_GOOD`` will not change however often
    the request is repeated: ``unavailable`` (``courseId``: the course is draft or archived, not
    published) and ``deactivated`` (``userId``: the account was deactivated). Every other refusal
    (an unknown user or course, an instructor who does not teach it, bad input) may be an ordering
    or configuration problem.
    """
    return services.enrollment_request(request)


def enrollment_requests(
    requests: list[PendingEnrollmentRequest],
) -> list[EnrollmentReceipt | errors.LmsError]:
    """Connector 1 for every item of one order at once: ``enrollment_request`` for each, with
    the same idempotency, checks and refusals, reading the order's enrollments, users and courses
    in one query each and writing the new enrollments together.

    The answers come in the order of ``requests``: a receipt, or the error that request alone
    was refused with (nothing is created for it; the others go on).
    """
    return services.enrollment_requests(requests)


def enrollment_cancel_for_refund(
    *, order_id: str, order_item_id: str, reason: str
) -> EnrollmentStatus:
    """A refunded order item ends its enrollment: cancelled before completion, revoked after.

    Idempotent: calling it again (or for an enrollment already rejected) changes nothing and says
    so with ``changed=False``.
    """
    return services.enrollment_end_for_refund(
        order_id=order_id, order_item_id=order_item_id, reason=reason
    )


def enrollment_complete(*, enrollment_id: str, grade: int, system: str) -> EnrollmentStatus:
    """Complete an enrollment with a grade on behalf of ``system`` (e.g. "learning-progress").

    Publishes ``enrollment.completed`` with the Connector 3 fields. Completing an enrollment that
    is already completed changes nothing (``changed=False``).
    """
    enrollment, changed = services.enrollment_complete_once(
        enrollment_id=enrollment_id, grade=grade, system=system
    )
    return EnrollmentStatus(enrollment_id=enrollment_id, status=enrollment.state, changed=changed)


def enrollment_exists(*, enrollment_id: str) -> bool:
    """Whether this LMS holds an enrollment with the id ``enrollment_id``: one it made, and
    whose approval, rejection and completion it reports itself."""
    return selectors.enrollment_exists(enrollment_id)


def course_instructor_ids(*, course_id: str) -> tuple[str, ...]:
    """The ``usr_…`` ids of the instructors assigned to the course now (empty for an unknown
    course): whom a sale of it pays from the instructor pool until the LMS assigns the
    enrollment its instructor (``enrollment.instructor_assigned``)."""
    return selectors.course_instructor_ids(course_id)


def course_instructor_ids_of(*, course_ids: list[str]) -> dict[str, tuple[str, ...]]:
    """``course_instructor_ids`` of several courses, by course id (one query)."""
    return selectors.course_instructor_ids_of(list(course_ids))


def purchased_enrollments() -> list[PurchasedEnrollment]:
    """Every enrollment an order item paid for (one query), for reconciling with commerce."""
    return [
        PurchasedEnrollment(
            enrollment_id=row["public_id"],
            order_id=row["external_order_id"],
            order_item_id=row["external_order_item_id"],
            status=row["state"],
        )
        for row in selectors.purchased_enrollments()
    ]


def user_contact(*, user_id: str) -> UserContact | None:
    """The address and name of the user ``usr_…`` (``None`` if unknown), to notify them."""
    user = selectors.user_by_public_id(user_id)
    if user is None:
        return None
    return UserContact(user_id=user.public_id, email=user.email, name=user.display_name)


def enrollment_contact(*, enrollment_id: str) -> EnrollmentContact | None:
    """The learner and course of the enrollment ``enr_…`` (``None`` if unknown), to notify
    the learner about it."""
    enrollment = selectors.enrollment_with_learner(enrollment_id)
    if enrollment is None:
        return None
    return _enrollment_contact(enrollment)


def enrollment_contacts(*, enrollment_ids: list[str]) -> list[EnrollmentContact]:
    """``enrollment_contact`` of several enrollments (one query), in the order of
    ``enrollment_ids``; unknown ones are left out."""
    by_id = {
        enrollment.public_id: enrollment
        for enrollment in selectors.enrollments_with_learner(list(enrollment_ids))
    }
    return [
        _enrollment_contact(by_id[enrollment_id])
        for enrollment_id in enrollment_ids
        if enrollment_id in by_id
    ]


def _enrollment_contact(enrollment) -> EnrollmentContact:
    user = enrollment.user
    return EnrollmentContact(
        enrollment_id=enrollment.public_id,
        status=enrollment.state,
        awaits_review=enrollment.state == "pending"
        and not (
            enrollment.auto_approve_requested
            and services.enrollments.auto_approval_applies(enrollment)
        ),
        learner=UserContact(user_id=user.public_id, email=user.email, name=user.display_name),
        course_id=enrollment.course.public_id,
        course_title=enrollment.course.title,
        course_slug=enrollment.course.slug,
    )
