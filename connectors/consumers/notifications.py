"""Notifications: the facts people hear about, in the app and by email.

Each consumer reads one event, finds the person it concerns and their address through
``lms.api`` (the LMS owns people), and asks ``notifications.api.notify`` to tell them. Notify is
idempotent on recipient, kind and subject, so a redelivered event tells nobody twice. An unknown
person (a user of an outside system, an id from a test) is nobody to tell: the delivery ends.
"""

from __future__ import annotations

from django.urls import reverse

from cadence.kernel.events import EventEnvelope
from cadence.kernel.money import Money
from commerce.data import OrderPaid, PaymentCompleted, RefundCompleted
from commerce.events import order_paid, payment_completed, refund_completed
from connectors import registry
from lms import api as lms_api
from lms.data import (
    EnrollmentApproved,
    EnrollmentCompleted,
    EnrollmentContact,
    EnrollmentRejected,
    EnrollmentRequested,
    InstructorInteractionRecorded,
    OrderEnrollmentsRequested,
    UserContact,
)
from lms.events import (
    enrollment_approved,
    enrollment_completed,
    enrollment_rejected,
    enrollment_requested,
    instructor_interaction_recorded,
    order_enrollments_requested,
)
from notifications import api as notifications_api
from notifications.data import NotificationRequest, Recipient
from payouts.data import PayoutSettled
from payouts.events import payout_completed, payout_failed

INTERACTION_KINDS = {"assignment-graded": "assignment_graded", "discussion-reply": "reply_posted"}


def _recipient(contact: UserContact) -> Recipient:
    return Recipient(user_id=contact.user_id, email=contact.email, name=contact.name)


def _notify_user(user_id: str, *, kind: str, subject_id: str, facts: dict, link: str) -> None:
    contact = lms_api.user_contact(user_id=user_id)
    if contact is None:
        return
    notifications_api.notify(
        NotificationRequest(
            recipient=_recipient(contact), kind=kind, subject_id=subject_id, facts=facts, link=link
        )
    )


def _notify_learner(enrollment_id: str, *, kind: str, subject_id: str, facts=None, link=None):
    enrollment = lms_api.enrollment_contact(enrollment_id=enrollment_id)
    if enrollment is None:
        return None
    return _notify_learner_of(enrollment, kind=kind, subject_id=subject_id, facts=facts, link=link)


def _notify_learner_of(
    enrollment: EnrollmentContact, *, kind: str, subject_id: str, facts=None, link=None
):
    notifications_api.notify(
        NotificationRequest(
            recipient=_recipient(enrollment.learner),
            kind=kind,
            subject_id=subject_id,
            facts={"course_title": enrollment.course_title, **(facts or {})},
            link=link or reverse("lms:course", args=[enrollment.course_slug]),
        )
    )
    return enrollment


@registry.subscribe(order_paid, name="notifications:order-paid")
def notify_order_paid(envelope: EventEnvelope) -> None:
    """One notification per order, however many items it has (the subject is the order)."""
    paid: OrderPaid = envelope.payload
    _order_paid_notify(order_id=paid.order_id, user_id=paid.user_id)


@registry.subscribe(payment_completed, name="notifications:order-paid")
def notify_order_paid_of_item(envelope: EventEnvelope) -> None:
    """An item's ``payment.completed`` queued before ``order.paid``: the same one notification
    per order (notify is idempotent on the order)."""
    paid: PaymentCompleted = envelope.payload
    _order_paid_notify(order_id=paid.order_id, user_id=paid.user_id)


def _order_paid_notify(*, order_id: str, user_id: str) -> None:
    _notify_user(
        user_id,
        kind="order_paid",
        subject_id=order_id,
        facts={"order_id": order_id},
        link=reverse("commerce:order", args=[order_id]),
    )


@registry.subscribe(enrollment_requested, name="notifications:enrollment-pending")
def notify_enrollment_pending(envelope: EventEnvelope) -> None:
    """Only when staff will decide: an enrollment the automatic approval takes at once needs no
    "waiting" news."""
    requested: EnrollmentRequested = envelope.payload
    enrollment = lms_api.enrollment_contact(enrollment_id=requested.enrollment_id)
    if enrollment is None or not enrollment.awaits_review:
        return
    _notify_learner_of(
        enrollment,
        kind="enrollment_pending",
        subject_id=requested.enrollment_id,
        link=reverse("lms:my_learning"),
    )


@registry.subscribe(order_enrollments_requested, name="notifications:enrollment-pending")
def notify_order_enrollments_pending(envelope: EventEnvelope) -> None:
    """An order's new enrollments: one "waiting for approval" notification for the order,
    naming the courses staff will decide on (the subject is the order, so a redelivery tells
    nobody twice), none when the automatic approval takes them all."""
    requested: OrderEnrollmentsRequested = envelope.payload
    awaiting = [
        enrollment
        for enrollment in lms_api.enrollment_contacts(
            enrollment_ids=[e.enrollment_id for e in requested.enrollments]
        )
        if enrollment.awaits_review
    ]
    if not awaiting:
        return
    notifications_api.notify(
        NotificationRequest(
            recipient=_recipient(awaiting[0].learner),
            kind="enrollment_pending",
            subject_id=requested.order_id,
            facts={"course_title": _in_words([e.course_title for e in awaiting])},
            link=reverse("lms:my_learning"),
        )
    )


def _in_words(titles: list[str]) -> str:
    """The titles as a sentence lists them: A; A and B; A, B and C."""
    if len(titles) == 1:
        return titles[0]
    return f"{', '.join(titles[:-1])} and {titles[-1]}"


@registry.subscribe(enrollment_approved, name="notifications:enrollment-approved")
def notify_enrollment_approved(envelope: EventEnvelope) -> None:
    approved: EnrollmentApproved = envelope.payload
    _notify_learner(
        approved.enrollment_id, kind="enrollment_approved", subject_id=approved.enrollment_id
    )


@registry.subscribe(enrollment_rejected, name="notifications:enrollment-rejected")
def notify_enrollment_rejected(envelope: EventEnvelope) -> None:
    rejected: EnrollmentRejected = envelope.payload
    _notify_learner(
        rejected.enrollment_id,
        kind="enrollment_rejected",
        subject_id=rejected.enrollment_id,
        facts={"reason": rejected.reason or "no reason given"},
        link=reverse("commerce:orders") if rejected.order_id else reverse("lms:my_learning"),
    )


@registry.subscribe(instructor_interaction_recorded, name="notifications:instructor-interaction")
def notify_graded_or_replied(envelope: EventEnvelope) -> None:
    """A graded assignment or an instructor's reply to the learner's post (live-session minutes
    are nothing to tell)."""
    interaction: InstructorInteractionRecorded = envelope.payload
    kind = INTERACTION_KINDS.get(interaction.kind)
    if kind is None:
        return
    _notify_learner(interaction.enrollment_id, kind=kind, subject_id=interaction.interaction_id)


@registry.subscribe(enrollment_completed, name="notifications:certificate-issued")
def notify_certificate_issued(envelope: EventEnvelope) -> None:
    """A completion always comes with its certificate (issued in the same transaction)."""
    completed: EnrollmentCompleted = envelope.payload
    _notify_learner(
        completed.enrollment_id,
        kind="certificate_issued",
        subject_id=completed.enrollment_id,
        link=reverse("lms:my_learning"),
    )


@registry.subscribe(refund_completed, name="notifications:refund-completed")
def notify_refund_completed(envelope: EventEnvelope) -> None:
    refund: RefundCompleted = envelope.payload
    _notify_user(
        refund.user_id,
        kind="refund_completed",
        subject_id=refund.refund_id,
        facts={
            "amount": Money(refund.gross_amount, refund.currency).format(),
            "order_id": refund.order_id,
        },
        link=reverse("commerce:order", args=[refund.order_id]),
    )


@registry.subscribe(payout_completed, name="notifications:payout-sent")
def notify_payout_sent(envelope: EventEnvelope) -> None:
    payout: PayoutSettled = envelope.payload
    _notify_user(
        payout.user_id,
        kind="payout_sent",
        subject_id=payout.payout_id,
        facts=_payout_facts(payout),
        link=reverse("payouts:payouts"),
    )


@registry.subscribe(payout_failed, name="notifications:payout-action-needed")
def notify_payout_action_needed(envelope: EventEnvelope) -> None:
    """A refused or returned payout: the payee must check their payout account."""
    payout: PayoutSettled = envelope.payload
    _notify_user(
        payout.user_id,
        kind="payout_action_needed",
        subject_id=payout.payout_id,
        facts=_payout_facts(payout),
        link=reverse("payouts:account"),
    )


def _payout_facts(payout: PayoutSettled) -> dict[str, str]:
    return {
        "payout_id": payout.payout_id,
        "amount": Money(payout.amount, payout.currency).format(),
        "method": payout.method.replace("_", " "),
        "reason": payout.reason or "the payout rail refused it",
    }
