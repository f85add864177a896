"""Enrollments: Connector 1 requests, the approval workflow and every later transition.

Every state change goes through ``_transition``: it checks the transition is allowed from the
current state, that its conditions hold and (for a person) that they hold its permission, saves
under the optimistic lock, and writes the transition log. The event of the fact is published in the
same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from cadence.kernel.money import Money, MoneyError, currency
from cadence.kernel.public_ids import new_public_id
from cadence.kernel.rows import insert_all_with_children
from lms import events, selectors
from lms.data import (
    EnrollmentApproved,
    EnrollmentCompleted,
    EnrollmentEnded,
    EnrollmentInstructorAssigned,
    EnrollmentReceipt,
    EnrollmentRejected,
    EnrollmentRequested,
    EnrollmentStarted,
    EnrollmentStatus,
    OrderEnrollmentsRequested,
    PendingEnrollmentRequest,
    PurchaseMetadata,
)
from lms.errors import (
    ACCOUNT_DEACTIVATED,
    COURSE_UNAVAILABLE,
    LmsConflict,
    LmsError,
    LmsNotFound,
    LmsPermissionDenied,
)
from lms.models import (
    Course,
    CourseInstructor,
    Department,
    Enrollment,
    EnrollmentInstructorChange,
    EnrollmentTransition,
    User,
)
from lms.services.certificates import certificate_issue, certificate_revoke

# Instructor pay is released by the instructor's own interactions with the learner, so a learner
# who instructed themselves could pay themselves.
SELF_INSTRUCTION = "a learner cannot be the instructor of their own enrollment"

AUTO_APPROVAL = "auto-approval"
REFUND = "refund"
APPROVAL_STATUSES = {"pending", "auto-approved"}
# States that hold a seat of a course with a capacity.
SEATED_STATES = [
    Enrollment.State.APPROVED,
    Enrollment.State.IN_PROGRESS,
    Enrollment.State.COMPLETED,
]

logger = logging.getLogger(__name__)


# --- the one way a state changes ---------------------------------------------------------------


def _actor_label(actor: User | None, system: str | None) -> str:
    if actor is not None:
        return actor.public_id
    if not system:
        raise ValueError("a transition needs a person or the name of the system that acts")
    return system


def _transition(
    enrollment: Enrollment,
    name: str,
    *,
    actor: User | None,
    system: str | None,
    reason: str = "",
    **kwargs,
) -> EnrollmentTransition:
    method = getattr(enrollment, name)
    source = enrollment.state
    if not can_proceed(method, check_conditions=False):
        raise LmsConflict(
            f"cannot {name} an enrollment that is {enrollment.get_state_display().lower()}",
            field="state",
            code="transition_not_allowed",
        )
    if not can_proceed(method):
        raise LmsConflict(
            f"cannot {name} this enrollment now: its conditions are not met", field="state"
        )
    # A system (auto-approval, refunds) acts on the platform's authority; a person needs the
    # transition's permission.
    if actor is not None and not has_transition_perm(method, actor):
        raise LmsPermissionDenied(f"you may not {name} enrollments", field="state")
    method(**kwargs)
    try:
        enrollment.save()
    except ConcurrentTransition as error:
        raise LmsConflict(
            "the enrollment changed while you were looking at it; reload and try again",
            field="state",
            code="concurrent_change",
        ) from error
    return EnrollmentTransition.objects.create(
        enrollment=enrollment,
        name=name,
        source_state=source,
        target_state=enrollment.state,
        actor=actor,
        actor_system="" if actor is not None else system,
        reason=reason,
    )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise LmsError("is required: say why", field="reason")
    return reason


def _check_grade(value: object, *, field: str) -> None:
    """Grades and scores are whole numbers from 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise LmsError("must be a whole number from 0 to 100", field=field)


def _locked(enrollment_pk: int) -> Enrollment:
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("user", "course__content_creator", "instructor")
        .get(pk=enrollment_pk)
    )


# --- Connector 1: enrollment requests ----------------------------------------------------------


def enrollment_request(request: PendingEnrollmentRequest) -> EnrollmentReceipt:
    """Create the pending enrollment an order item paid for, once per order item.

    A repeat of the same (order, order item) returns the enrollment it made; the same key with
    another user or course is a conflict. Bad input names its field and creates nothing. With
    ``auto_approve`` the approval workflow runs after commit; the receipt still says pending.
    """
    order_id = _required_key(request.external_order_id, "externalOrderId")
    order_item_id = _required_key(request.external_order_item_id, "externalOrderItemId")
    # The reads and checks come before the writes' transaction, so that a refusal leaves the
    # caller's own transaction usable (a consumer refunds what the LMS refuses for good).
    existing = _existing(order_id, order_item_id)
    if existing is None:
        enrollment = _enrollment_create(order_id, order_item_id, _validated_fields(request))
        if enrollment is not None:
            return EnrollmentReceipt(
                enrollment_id=enrollment.public_id,
                status=enrollment.state,
                message=_receipt_message(enrollment),
                created=True,
            )
        existing = _existing(order_id, order_item_id)  # a concurrent twin made it first
    return _repeat_receipt(existing, request)


def enrollment_requests(
    requests: list[PendingEnrollmentRequest],
) -> list[EnrollmentReceipt | LmsError]:
    """``enrollment_request`` for the items of one order: each answered as it would be alone (a
    receipt, or the error that refused it), with the users and courses read once for all of
    them, the new enrollments and their transitions written together, and the enrollments
    already made read once, for the items the insert or a check left out.

    An item a concurrent request made first (the insert leaves out the twin's row) goes through
    ``enrollment_request`` alone, which settles the race as it always does.
    """
    outcomes: list[EnrollmentReceipt | LmsError | None] = [None] * len(requests)
    keyed: dict[int, tuple[str, str]] = {}
    for index, request in enumerate(requests):
        try:
            keyed[index] = (
                _required_key(request.external_order_id, "externalOrderId"),
                _required_key(request.external_order_item_id, "externalOrderItemId"),
            )
        except LmsError as refusal:
            outcomes[index] = refusal
    # New items are the rule (an order is paid once): they are checked and inserted first, and
    # the enrollments already made are read only for the items the insert or a check left out.
    users = {
        user.public_id: user
        for user in User.objects.select_related("department").filter(
            public_id__in={requests[index].user_id for index in keyed}
        )
    }
    courses = {
        course.public_id: course
        for course in Course.objects.filter(
            public_id__in={requests[index].course_id for index in keyed}
        )
    }
    new: dict[int, Enrollment] = {}
    refusals: dict[int, LmsError] = {}
    for index in keyed:
        try:
            fields = _validated_fields(requests[index], users=users, courses=courses)
        except LmsError as refusal:
            refusals[index] = refusal
            continue
        order_id, order_item_id = keyed[index]
        new[index] = Enrollment(
            external_order_id=order_id, external_order_item_id=order_item_id, **fields
        )
    made = _enrollments_create(list(new.values()))
    for index, enrollment in zip(new, made, strict=True):
        if enrollment is None:
            continue
        outcomes[index] = EnrollmentReceipt(
            enrollment_id=enrollment.public_id,
            status=enrollment.state,
            message=_receipt_message(enrollment),
            created=True,
        )
    left = {index: key for index, key in keyed.items() if outcomes[index] is None}
    existing = _existing_of(list(left.values()))
    for index, key in left.items():
        try:
            if key in existing:  # a repeat, answered by what the first request made
                outcomes[index] = _repeat_receipt(existing[key], requests[index])
            elif index in refusals:
                outcomes[index] = refusals[index]
            else:  # lost a race to a concurrent request still settling: settled alone
                outcomes[index] = enrollment_request(requests[index])
        except LmsError as refusal:
            outcomes[index] = refusal
    return outcomes


def _existing_of(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Enrollment]:
    if not keys:
        return {}
    return {
        (e.external_order_id, e.external_order_item_id): e
        for e in Enrollment.objects.select_related("user", "course").filter(
            # Both keys, so that the unique constraint's index serves the read.
            external_order_id__in={order_id for order_id, _item_id in keys},
            external_order_item_id__in=[item_id for _order_id, item_id in keys],
        )
    }


@transaction.atomic(savepoint=False)
def _enrollments_create(enrollments: list[Enrollment]) -> list[Enrollment | None]:
    """``_enrollment_create`` for several at once, in one insert that leaves out (``None`` in
    their place) those a concurrent request made first: no savepoint to survive the twin's row."""
    inserted = insert_all_with_children(
        enrollments,
        [[_request_transition(enrollment)] for enrollment in enrollments],
        link="enrollment",
        unique=("external_order_id", "external_order_item_id"),
        skip_present=True,
    )
    created = [e for e, made in zip(enrollments, inserted, strict=True) if made]
    for enrollment in created:
        _instructor_of_request_log(enrollment)
    _order_enrollments_announce(created)
    _auto_approvals_schedule(created)
    return [e if made else None for e, made in zip(enrollments, inserted, strict=True)]


# No savepoint of its own inside the caller's transaction: nothing it raises is survived by the
# caller, but the twin's insert, which has its own savepoint.
@transaction.atomic(savepoint=False)
def _enrollment_create(order_id: str, order_item_id: str, fields: dict) -> Enrollment | None:
    """The pending enrollment, its request transition and event; ``None`` if a concurrent
    request for the same order item made it first."""
    try:
        # A savepoint, so that losing the race to a concurrent twin leaves us a usable
        # transaction in which to read the twin's enrollment.
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                external_order_id=order_id, external_order_item_id=order_item_id, **fields
            )
    except IntegrityError:
        if _existing(order_id, order_item_id) is None:
            raise
        return None
    _request_transition(enrollment).save()
    _requested_announce(enrollment)
    return enrollment


def _request_transition(enrollment: Enrollment) -> EnrollmentTransition:
    """The unsaved ``request`` transition of a new pending enrollment bought in an order."""
    return EnrollmentTransition(
        enrollment=enrollment,
        name="request",
        source_state="",
        target_state=enrollment.state,
        actor_system=Enrollment.Source.COMMERCE,
        reason=f"order {enrollment.external_order_id}, item {enrollment.external_order_item_id}",
    )


def _requested_announce(enrollment: Enrollment) -> None:
    """What follows a new pending enrollment: its instructor logged, its event published, and
    its auto-approval scheduled when it asked for one that may apply."""
    _instructor_of_request_log(enrollment)
    events.enrollment_requested.publish(_requested(enrollment))
    _auto_approvals_schedule([enrollment])


def _instructor_of_request_log(enrollment: Enrollment) -> None:
    if enrollment.instructor_id:
        _instructor_change_log(
            enrollment,
            previous=None,
            actor=None,
            system=Enrollment.Source.COMMERCE,
            reason="assigned in the enrollment request",
        )


def _order_enrollments_announce(enrollments: list[Enrollment]) -> None:
    """One ``order_enrollments.requested`` per learner's order for its new enrollments made
    together, in place of an ``enrollment.requested`` each: its consumers handle them together."""
    by_order: dict[tuple[str, str], list[Enrollment]] = {}
    for enrollment in enrollments:
        key = (enrollment.external_order_id, enrollment.user.public_id)
        by_order.setdefault(key, []).append(enrollment)
    for (order_id, user_id), made in by_order.items():
        events.order_enrollments_requested.publish(
            OrderEnrollmentsRequested(
                order_id=order_id,
                user_id=user_id,
                enrollments=tuple(_requested(enrollment) for enrollment in made),
                enrollment_event_ids=tuple(new_public_id("evt") for _ in made),
            )
        )


def _required_key(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LmsError("is required", field=field)
    if len(value.strip()) > 64:
        raise LmsError("must be at most 64 characters", field=field)
    return value.strip()


def _existing(order_id: str, order_item_id: str) -> Enrollment | None:
    return (
        Enrollment.objects.select_related("user", "course")
        .filter(external_order_id=order_id, external_order_item_id=order_item_id)
        .first()
    )


def _repeat_receipt(existing: Enrollment, request: PendingEnrollmentRequest) -> EnrollmentReceipt:
    if existing.user.public_id != request.user_id:
        raise LmsConflict(
            "this order item already enrolled another user", field="externalOrderItemId"
        )
    if existing.course.public_id != request.course_id:
        raise LmsConflict(
            "this order item already enrolled the user in another course",
            field="externalOrderItemId",
        )
    if existing.state == Enrollment.State.PENDING:
        # The first request's approval task may have been lost; asking again is harmless.
        _auto_approvals_schedule([existing])
    return EnrollmentReceipt(
        enrollment_id=existing.public_id,
        status=existing.state,
        message=_receipt_message(existing),
        created=False,
    )


def _receipt_message(enrollment: Enrollment) -> str:
    if enrollment.state == Enrollment.State.PENDING:
        return "Enrollment created, pending approval"
    return f"Enrollment already {enrollment.get_state_display().lower()}"


def _validated_fields(
    request: PendingEnrollmentRequest,
    *,
    users: dict[str, User] | None = None,
    courses: dict[str, Course] | None = None,
) -> dict:
    """The new enrollment's fields, or the refusal naming its field. ``users`` and ``courses``
    (by public id) are the ones read already for several requests at once."""
    if request.approval_status not in APPROVAL_STATUSES:
        raise LmsError("must be 'pending' or 'auto-approved'", field="approvalStatus")
    if users is not None:
        user = users.get(request.user_id)
    else:
        user = User.objects.select_related("department").filter(public_id=request.user_id).first()
    if user is None:
        raise LmsNotFound(f"no user has the id '{request.user_id}'", field="userId")
    if not user.is_active:
        raise LmsError(
            "this user's account is deactivated", field="userId", code=ACCOUNT_DEACTIVATED
        )
    if courses is not None:
        course = courses.get(request.course_id)
    else:
        course = Course.objects.filter(public_id=request.course_id).first()
    if course is None:
        raise LmsNotFound(f"no course has the id '{request.course_id}'", field="courseId")
    if course.status != Course.Status.PUBLISHED:
        raise LmsError(
            f"the course is {course.status}, not published",
            field="courseId",
            code=COURSE_UNAVAILABLE,
        )
    instructor = None
    if request.instructor_id:
        instructor = (
            CourseInstructor.objects.select_related("instructor")
            .filter(course=course, instructor__public_id=request.instructor_id)
            .first()
        )
        if instructor is None:
            raise LmsError(
                f"'{request.instructor_id}' is not an instructor of this course",
                field="instructorId",
            )
        instructor = instructor.instructor
        if instructor.pk == user.pk:
            raise LmsError(SELF_INSTRUCTION, field="instructorId")
    return {
        "user": user,
        "course": course,
        "instructor": instructor,
        "source": Enrollment.Source.COMMERCE,
        # Commerce may say "auto-approved"; it is a wish for the workflow, never a decision.
        "auto_approve_requested": bool(request.auto_approve)
        or request.approval_status == "auto-approved",
        **purchase_fields(request.metadata),
    }


def purchase_fields(metadata: PurchaseMetadata | None) -> dict:
    """The enrollment's record of its purchase: the amount exactly, in minor units."""
    if metadata is None:
        return {}
    fields: dict = {}
    if metadata.purchase_date is not None:
        if (
            not isinstance(metadata.purchase_date, datetime)
            or metadata.purchase_date.tzinfo is None
        ):
            raise LmsError(
                "must be a date and time with a time zone", field="metadata.purchaseDate"
            )
        fields["purchased_at"] = metadata.purchase_date
    if metadata.amount is not None or metadata.currency:
        try:
            code = currency(metadata.currency, field="metadata.currency").code
            amount = Money.parse(metadata.amount, code, field="metadata.amount")
        except MoneyError as error:
            raise LmsError(error.message, field=error.field) from error
        if amount.minor < 0:
            raise LmsError("must not be negative", field="metadata.amount")
        fields["purchase_amount_minor"] = amount.minor
        fields["purchase_currency"] = amount.currency
    return fields


def _auto_approvals_schedule(enrollments: list[Enrollment]) -> None:
    """After commit, one task for the approval workflow of those that asked for it, but for
    those it cannot approve (staff review them: no task to find that out again)."""
    from lms.tasks import enrollments_auto_approve_task

    waived: dict[int | None, bool] = {}  # one walk up the tree per department, not per item

    def applies(enrollment: Enrollment) -> bool:
        if not enrollment.course.requires_approval:
            return True
        department_id = enrollment.user.department_id
        if department_id not in waived:
            waived[department_id] = department_waives_review(department_id)
        return waived[department_id]

    pks = [
        enrollment.pk
        for enrollment in enrollments
        if enrollment.auto_approve_requested and applies(enrollment)
    ]
    if pks:
        transaction.on_commit(lambda: enrollments_auto_approve_task.delay(pks))


# --- approval --------------------------------------------------------------------------------


def auto_approval_applies(enrollment: Enrollment) -> bool:
    """No staff review is needed: the course does not ask for it, or the department waives it."""
    if not enrollment.course.requires_approval:
        return True
    return department_waives_review(enrollment.user.department_id)


def department_waives_review(department_id: int | None) -> bool:
    """Whether the department, or one above it, is pre-approved (which waives review for its
    sub-departments too)."""
    # Walk up the tree: it is a few levels deep at most.
    seen: set[int] = set()
    while department_id is not None and department_id not in seen:
        seen.add(department_id)
        department = Department.objects.filter(pk=department_id).values("pre_approved", "parent")
        row = department.first()
        if row is None:
            return False
        if row["pre_approved"]:
            return True
        department_id = row["parent"]
    return False


def _has_seat(course: Course) -> bool:
    if course.capacity is None:
        return True
    # Lock the course so that two approvals cannot both take its last seat.
    list(Course.objects.select_for_update().filter(pk=course.pk).values_list("pk", flat=True))
    taken = Enrollment.objects.filter(course=course, state__in=SEATED_STATES).count()
    return taken < course.capacity


@transaction.atomic
def enrollment_approve(
    *,
    enrollment: Enrollment,
    actor: User | None = None,
    system: str | None = None,
    instructor: User | None = None,
) -> Enrollment:
    """Approve a pending enrollment; publishes ``enrollment.approved`` (Connector 2).

    An approved learner always has an instructor when the course has one: ``instructor`` (one
    of the course's, chosen by staff) if given, else the one the enrollment request named, else
    the one ``selectors.instructor_proposed_for`` picks. The assignment is logged and published
    like any instructor change; a course without instructors is logged and published as
    "nobody teaches this enrollment", so that payouts applies its no-instructor rule.
    """
    if enrollment.state == Enrollment.State.PENDING and not _has_seat(enrollment.course):
        raise LmsConflict(
            f"the course is full ({enrollment.course.capacity} learners)", field="course"
        )
    _transition(enrollment, "approve", actor=actor, system=system, by=_actor_label(actor, system))
    events.enrollment_approved.publish(
        EnrollmentApproved(
            enrollment_id=enrollment.public_id,
            order_id=enrollment.external_order_id,
            order_item_id=enrollment.external_order_item_id,
            status=enrollment.state,
            approved_at=enrollment.approved_at,
            approved_by=enrollment.approved_by,
        )
    )
    _instructor_ensure_on_approval(enrollment, chosen=instructor, actor=actor, system=system)
    return enrollment


@transaction.atomic
def enrollment_reject(
    *, enrollment: Enrollment, reason: str, actor: User | None = None, system: str | None = None
) -> Enrollment:
    """Refuse a pending enrollment; publishes ``enrollment.rejected`` so commerce refunds it."""
    reason = _require_reason(reason)
    _transition(enrollment, "reject", actor=actor, system=system, reason=reason)
    events.enrollment_rejected.publish(
        EnrollmentRejected(
            enrollment_id=enrollment.public_id,
            order_id=enrollment.external_order_id,
            order_item_id=enrollment.external_order_item_id,
            status=enrollment.state,
            rejected_at=enrollment.rejected_at,
            rejected_by=_actor_label(actor, system),
            reason=reason,
        )
    )
    return enrollment


def enrollment_auto_approve(*, enrollment_pk: int) -> Enrollment:
    """The approval workflow after an ``autoApprove`` request. Safe to run any number of times.

    Approves as "auto-approval" when the course needs no review or the learner's department is
    pre-approved and a seat is free; otherwise the enrollment stays pending for staff.
    """
    with transaction.atomic():
        enrollment = _locked(enrollment_pk)
        if enrollment.state != Enrollment.State.PENDING or not auto_approval_applies(enrollment):
            return enrollment
        if not _has_seat(enrollment.course):
            return enrollment
        return enrollment_approve(enrollment=enrollment, system=AUTO_APPROVAL)


def enrollments_auto_approve(*, enrollment_pks: list[int]) -> list[str]:
    """``enrollment_auto_approve`` for the enrollments one request made together, each in its
    own transaction: one that fails is logged and stays pending for staff, the others go on.
    Their states, ``"failed"`` for those that failed."""
    states = []
    for enrollment_pk in enrollment_pks:
        try:
            states.append(enrollment_auto_approve(enrollment_pk=enrollment_pk).state)
        except Exception:
            logger.exception("auto-approval of enrollment %s failed", enrollment_pk)
            states.append("failed")
    return states


# --- learning ---------------------------------------------------------------------------------


@transaction.atomic
def enrollment_start(
    *,
    enrollment: Enrollment,
    actor: User | None = None,
    system: str | None = None,
    reason: str = "",
) -> Enrollment:
    """The learner begins an approved course; or a system does on their behalf, from work the
    learner did elsewhere (attendance at a live session recorded by their instructor)."""
    if actor is None and not system:
        raise LmsError("say who starts the course: the learner or a system", field="actor")
    if actor is not None and actor.pk != enrollment.user_id:
        raise LmsPermissionDenied("only the learner starts their course", field="enrollment")
    _start(enrollment, actor=actor, system=system, reason=reason)
    return enrollment


def _start(
    enrollment: Enrollment, *, actor: User | None, system: str | None, reason: str = ""
) -> None:
    _transition(enrollment, "start", actor=actor, system=system, reason=reason)
    events.enrollment_started.publish(
        EnrollmentStarted(
            enrollment_id=enrollment.public_id,
            order_id=enrollment.external_order_id,
            order_item_id=enrollment.external_order_item_id,
            status=enrollment.state,
            started_at=enrollment.started_at,
        )
    )


@transaction.atomic
def enrollment_complete(
    *,
    enrollment: Enrollment,
    grade: int,
    actor: User | None = None,
    system: str | None = None,
) -> Enrollment:
    """Complete an enrollment with a grade (0-100) at or above the course's passing grade.

    An approved enrollment that was never started is started first, so the log shows both steps.
    Publishes ``enrollment.completed`` with the Connector 3 fields.
    """
    _check_grade(grade, field="grade")
    if grade < enrollment.course.passing_grade:
        raise LmsError(
            f"{grade} is below the course's passing grade of {enrollment.course.passing_grade}",
            field="grade",
        )
    if enrollment.state == Enrollment.State.APPROVED:
        _start(enrollment, actor=actor, system=system, reason="completed directly")
    enrollment.grade = grade
    _transition(enrollment, "complete", actor=actor, system=system, reason=f"grade {grade}")
    certificate_issue(enrollment=enrollment)
    events.enrollment_completed.publish(
        EnrollmentCompleted(
            enrollment_id=enrollment.public_id,
            user_id=enrollment.user.public_id,
            course_id=enrollment.course.public_id,
            instructor_id=enrollment.instructor.public_id if enrollment.instructor else None,
            content_creator_id=enrollment.course.content_creator.public_id,
            completed_at=enrollment.completed_at,
            grade=enrollment.grade,
            order_id=enrollment.external_order_id,
            order_item_id=enrollment.external_order_item_id,
        )
    )
    return enrollment


def enrollment_complete_once(
    *, enrollment_id: str, grade: int, system: str
) -> tuple[Enrollment, bool]:
    """Complete the enrollment with this public id unless it already is; says if it changed."""
    with transaction.atomic():
        found = Enrollment.objects.filter(public_id=enrollment_id).values_list("pk", flat=True)
        if not found:
            raise LmsNotFound(f"no enrollment has the id '{enrollment_id}'", field="enrollmentId")
        enrollment = _locked(found[0])
        if enrollment.state == Enrollment.State.COMPLETED:
            return enrollment, False
        return enrollment_complete(enrollment=enrollment, grade=grade, system=system), True


# --- ending ------------------------------------------------------------------------------------


def _ended(enrollment: Enrollment, previous: str, by: str, reason: str) -> EnrollmentEnded:
    return EnrollmentEnded(
        enrollment_id=enrollment.public_id,
        user_id=enrollment.user.public_id,
        course_id=enrollment.course.public_id,
        order_id=enrollment.external_order_id,
        order_item_id=enrollment.external_order_item_id,
        status=enrollment.state,
        previous_status=previous,
        ended_at=enrollment.ended_at,
        ended_by=by,
        reason=reason,
    )


@transaction.atomic
def enrollment_cancel(
    *, enrollment: Enrollment, reason: str, actor: User | None = None, system: str | None = None
) -> Enrollment:
    """Cancel an enrollment before completion; publishes ``enrollment.cancelled``."""
    reason = _require_reason(reason)
    previous = enrollment.state
    _transition(enrollment, "cancel", actor=actor, system=system, reason=reason)
    events.enrollment_cancelled.publish(
        _ended(enrollment, previous, _actor_label(actor, system), reason)
    )
    return enrollment


@transaction.atomic
def enrollment_revoke(
    *, enrollment: Enrollment, reason: str, actor: User | None = None, system: str | None = None
) -> Enrollment:
    """Revoke a completed enrollment (refund, chargeback); publishes ``enrollment.revoked``."""
    reason = _require_reason(reason)
    previous = enrollment.state
    _transition(enrollment, "revoke", actor=actor, system=system, reason=reason)
    certificate_revoke(enrollment=enrollment)
    events.enrollment_revoked.publish(
        _ended(enrollment, previous, _actor_label(actor, system), reason)
    )
    return enrollment


def enrollment_end_for_refund(
    *, order_id: str, order_item_id: str, reason: str
) -> EnrollmentStatus:
    """End the enrollment an order item paid for: cancel it, or revoke it once completed.

    Idempotent: an enrollment already cancelled, revoked or rejected is left as it is.
    """
    order_id = _required_key(order_id, "orderId")
    order_item_id = _required_key(order_item_id, "orderItemId")
    with transaction.atomic():
        found = _existing(order_id, order_item_id)
        if found is None:
            raise LmsNotFound("no enrollment was made for this order item", field="orderItemId")
        enrollment = _locked(found.pk)
        state = enrollment.state
        if state == Enrollment.State.COMPLETED:
            enrollment_revoke(enrollment=enrollment, reason=reason or REFUND, system=REFUND)
        elif state in {
            Enrollment.State.PENDING,
            Enrollment.State.APPROVED,
            Enrollment.State.IN_PROGRESS,
        }:
            enrollment_cancel(enrollment=enrollment, reason=reason or REFUND, system=REFUND)
        return EnrollmentStatus(
            enrollment_id=enrollment.public_id,
            status=enrollment.state,
            changed=enrollment.state != state,
        )


# --- instructors -------------------------------------------------------------------------------


@transaction.atomic
def enrollment_instructor_assign(
    *,
    enrollment: Enrollment,
    instructor: User | None,
    actor: User | None = None,
    system: str | None = None,
    reason: str = "",
) -> Enrollment:
    """Give an enrollment its instructor (one of the course's), or none; every change is logged."""
    if (
        instructor is not None
        and not CourseInstructor.objects.filter(
            course_id=enrollment.course_id, instructor=instructor
        ).exists()
    ):
        raise LmsError(f"{instructor} is not an instructor of this course", field="instructor")
    if instructor is not None and instructor.pk == enrollment.user_id:
        raise LmsError(SELF_INSTRUCTION, field="instructor")
    # Read the instructor under the enrollment's lock: the change is logged from what the row
    # holds, not from the caller's copy, and two changes at once are logged one after the other.
    current_id = (
        Enrollment.objects.select_for_update()
        .values_list("instructor_id", flat=True)
        .get(pk=enrollment.pk)
    )
    if current_id == (instructor.pk if instructor else None):
        enrollment.instructor = instructor
        return enrollment
    previous = User.objects.get(pk=current_id) if current_id else None
    enrollment.instructor = instructor
    enrollment.save(update_fields=["instructor"])
    _instructor_change_log(enrollment, previous=previous, actor=actor, system=system, reason=reason)
    return enrollment


ASSIGNED_BY_RULE = "assigned on approval: the course's instructor with the fewest active learners"
NOBODY_TO_ASSIGN = "approved without an instructor: the course has none"


def _instructor_ensure_on_approval(
    enrollment: Enrollment, *, chosen: User | None, actor: User | None, system: str | None
) -> None:
    if chosen is not None:
        enrollment_instructor_assign(
            enrollment=enrollment,
            instructor=chosen,
            actor=actor,
            system=system,
            reason="chosen on approval",
        )
        return
    if enrollment.instructor_id is not None:
        return  # named in the request, or given by staff before
    proposed = selectors.instructor_proposed_for(enrollment)
    if proposed is not None:
        enrollment_instructor_assign(
            enrollment=enrollment,
            instructor=proposed,
            actor=actor,
            system=system,
            reason=ASSIGNED_BY_RULE,
        )
    else:
        _instructor_change_log(
            enrollment, previous=None, actor=actor, system=system, reason=NOBODY_TO_ASSIGN
        )


def _instructor_change_log(
    enrollment: Enrollment,
    *,
    previous: User | None,
    actor: User | None,
    system: str | None,
    reason: str,
) -> EnrollmentInstructorChange:
    """Log the enrollment's instructor as it now is, and publish it."""
    # Locked, so that two changes at once cannot both be revision n.
    list(Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk"))
    change = EnrollmentInstructorChange.objects.create(
        enrollment=enrollment,
        previous_instructor=previous,
        new_instructor=enrollment.instructor,
        actor=actor,
        actor_system="" if actor is not None else (system or ""),
        reason=reason,
    )
    events.enrollment_instructor_assigned.publish(
        EnrollmentInstructorAssigned(
            enrollment_id=enrollment.public_id,
            order_id=enrollment.external_order_id,
            order_item_id=enrollment.external_order_item_id,
            user_id=enrollment.user.public_id,
            course_id=enrollment.course.public_id,
            instructor_id=enrollment.instructor.public_id if enrollment.instructor else None,
            previous_instructor_id=previous.public_id if previous else None,
            revision=EnrollmentInstructorChange.objects.filter(enrollment=enrollment).count(),
            assigned_at=change.occurred_at,
            assigned_by=change.actor.public_id if actor is not None else change.actor_system,
            reason=reason,
        )
    )
    return change


def _requested(enrollment: Enrollment) -> EnrollmentRequested:
    return EnrollmentRequested(
        enrollment_id=enrollment.public_id,
        order_id=enrollment.external_order_id,
        order_item_id=enrollment.external_order_item_id,
        user_id=enrollment.user.public_id,
        course_id=enrollment.course.public_id,
        instructor_id=enrollment.instructor.public_id if enrollment.instructor else None,
        requested_at=enrollment.requested_at,
    )


ACTIVE_STATES = [Enrollment.State.PENDING, *SEATED_STATES]


@transaction.atomic
def enrollment_enroll(
    *,
    user: User,
    course: Course,
    actor: User | None = None,
    system: str | None = None,
    instructor: User | None = None,
) -> Enrollment:
    """Enroll a person without a purchase (staff, demo): pending, to be approved as usual."""
    if not user.is_active:
        raise LmsError("this person's account is deactivated", field="user")
    if course.status != Course.Status.PUBLISHED:
        raise LmsError(f"the course is {course.status}, not published", field="course")
    # One enrollment by hand at a time per person, so that a double submit cannot pass the
    # check below twice.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    if Enrollment.objects.filter(user=user, course=course, state__in=ACTIVE_STATES).exists():
        raise LmsConflict("is already enrolled in this course", field="user")
    enrollment = Enrollment.objects.create(user=user, course=course, source=Enrollment.Source.STAFF)
    EnrollmentTransition.objects.create(
        enrollment=enrollment,
        name="request",
        source_state="",
        target_state=enrollment.state,
        actor=actor,
        actor_system="" if actor is not None else _actor_label(None, system),
    )
    if instructor is not None:
        enrollment_instructor_assign(
            enrollment=enrollment, instructor=instructor, actor=actor, system=system
        )
    events.enrollment_requested.publish(_requested(enrollment))
    return enrollment
