"""The kinds of notification, their wording, and which of them a person may turn off.

Essential kinds concern money or access (a payment, a refund, a payout, an enrollment decision,
a payout account that needs attention): people must hear of those, so they cannot be turned off.
The others are news about learning and may be switched off on the preferences page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Kind(models.TextChoices):
    ORDER_PAID = "order_paid", "Order paid"
    ENROLLMENT_PENDING = "enrollment_pending", "Enrollment waiting for approval"
    ENROLLMENT_APPROVED = "enrollment_approved", "Enrollment approved"
    ENROLLMENT_REJECTED = "enrollment_rejected", "Enrollment declined"
    ASSIGNMENT_GRADED = "assignment_graded", "Assignment graded"
    REPLY_POSTED = "reply_posted", "Reply to your post"
    CERTIFICATE_ISSUED = "certificate_issued", "Certificate issued"
    REFUND_COMPLETED = "refund_completed", "Refund done"
    PAYOUT_SENT = "payout_sent", "Payout sent"
    PAYOUT_ACTION_NEEDED = "payout_action_needed", "Action needed on your payout account"


ESSENTIAL = frozenset(
    {
        Kind.ORDER_PAID,
        Kind.ENROLLMENT_APPROVED,
        Kind.ENROLLMENT_REJECTED,
        Kind.REFUND_COMPLETED,
        Kind.PAYOUT_SENT,
        Kind.PAYOUT_ACTION_NEEDED,
    }
)
OPTIONAL = tuple(kind for kind in Kind if kind not in ESSENTIAL)


@dataclass(frozen=True)
class Wording:
    title: str
    body: str


# Each text is a str.format template over the facts the notifier passes (missing facts read "").
WORDING: dict[str, Wording] = {
    Kind.ORDER_PAID: Wording(
        "Your order {order_id} is paid",
        "Thank you for your purchase. Your receipt and the order's progress are on the order page.",
    ),
    Kind.ENROLLMENT_PENDING: Wording(
        # One notification may name several courses of one order: worded for one or many.
        "Waiting for approval: {course_title}",
        "Staff will look at your enrollment soon. We will tell you as soon as they have.",
    ),
    Kind.ENROLLMENT_APPROVED: Wording(
        "You're in: {course_title}",
        "Your enrollment was approved. The course is waiting for you in My learning.",
    ),
    Kind.ENROLLMENT_REJECTED: Wording(
        "Your enrollment in {course_title} was declined",
        "Reason: {reason}. If you paid for it, the money is refunded to you.",
    ),
    Kind.ASSIGNMENT_GRADED: Wording(
        "Your assignment in {course_title} was graded",
        "Your instructor graded your work. Open the course to see the grade and feedback.",
    ),
    Kind.REPLY_POSTED: Wording(
        "New reply in {course_title}",
        "Your instructor replied to your post in the course's discussions.",
    ),
    Kind.CERTIFICATE_ISSUED: Wording(
        "Your certificate for {course_title} is ready",
        "Congratulations on completing the course. Download your certificate from My learning.",
    ),
    Kind.REFUND_COMPLETED: Wording(
        "Your refund of {amount} is on its way",
        "We refunded {amount} for order {order_id} to the way you paid.",
    ),
    Kind.PAYOUT_SENT: Wording(
        "Payout {payout_id} of {amount} was sent",
        "We sent {amount} to your payout account ({method}).",
    ),
    Kind.PAYOUT_ACTION_NEEDED: Wording(
        "Action needed on your payout account",
        "Payout {payout_id} of {amount} did not reach you: {reason}. The money is safe in your "
        "balance. Please check your payout account's details; it goes out with the next payout "
        "once they are confirmed.",
    ),
}


class _Facts(dict):
    def __missing__(self, key: str) -> str:
        return ""


def words_for(kind: str, facts: dict[str, str]) -> Wording:
    wording = WORDING[kind]
    values = _Facts(facts)
    return Wording(wording.title.format_map(values), wording.body.format_map(values))
