"""Payloads of the LMS's events and API: frozen dataclasses, standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# --- demo ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseSummary:
    id: str
    title: str
    content_creator_id: str


@dataclass(frozen=True)
class DemoSeed:
    users: dict[str, str]
    logins: dict[str, str]
    courses: tuple[CourseSummary, ...]


# --- Connector 1: enrollment requests -----------------------------------------------------------


@dataclass(frozen=True)
class PurchaseMetadata:
    purchase_date: datetime | None = None
    # Major units as sent (199.00 or "199.00"); parsed exactly against the currency.
    amount: Decimal | int | str | None = None
    currency: str = ""


@dataclass(frozen=True)
class PendingEnrollmentRequest:
    """The spec's PendingEnrollmentRequest, as commerce sends it for each paid order item."""

    external_order_id: str
    external_order_item_id: str
    user_id: str
    course_id: str
    instructor_id: str | None = None
    approval_status: str = "pending"
    auto_approve: bool = False
    metadata: PurchaseMetadata | None = None


@dataclass(frozen=True)
class EnrollmentReceipt:
    """The answer to an enrollment request. ``created`` is false for a repeat of the same key."""

    enrollment_id: str
    status: str
    message: str
    created: bool


@dataclass(frozen=True)
class EnrollmentStatus:
    """Where an enrollment stands after a call; ``changed`` is false when nothing had to move."""

    enrollment_id: str
    status: str
    changed: bool


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSynced:
    """The spec's CommerceUser fields: what other contexts cache about a person."""

    id: str
    email: str
    name: str


@dataclass(frozen=True)
class OutlineLesson:
    """A lesson as a sales page lists it. ``preview_url``: the page anyone may open it on, free;
    empty unless the lesson is a preview."""

    title: str
    kind: str
    duration_minutes: int | None = None
    preview_url: str = ""


@dataclass(frozen=True)
class OutlineModule:
    title: str
    lessons: tuple[OutlineLesson, ...] = ()


@dataclass(frozen=True)
class CoursePerson:
    """Who makes or teaches a course, as its sales page introduces them."""

    id: str
    name: str
    role: str  # "creator" or "instructor"
    bio: str = ""
    photo_url: str = ""


@dataclass(frozen=True)
class CourseSynced:
    """The spec's Course Sync fields (what commerce's catalogue needs about a course), and what
    its sales page shows: the cover image's address in ``thumbnail``, the outcomes, the
    curriculum outline and the people. Addresses are site paths or absolute URLs."""

    id: str
    title: str
    description: str
    content_creator_id: str
    thumbnail: str
    status: str
    slug: str = ""
    outcomes: tuple[str, ...] = ()
    outline: tuple[OutlineModule, ...] = ()
    people: tuple[CoursePerson, ...] = ()


@dataclass(frozen=True)
class EnrollmentRequested:
    enrollment_id: str
    order_id: str | None
    order_item_id: str | None
    user_id: str
    course_id: str
    instructor_id: str | None
    requested_at: datetime


@dataclass(frozen=True)
class OrderEnrollmentsRequested:
    """The new pending enrollments one learner's order asked for, made together (the LMS's
    ``enrollment_requests``): one fact for the order, so that its consumers handle the
    enrollments together. Each enrollment is the ``EnrollmentRequested`` it would have published
    alone; ``enrollment_event_ids`` are the ids outbound webhooks send each one's
    ``enrollment.requested`` under (in the order of ``enrollments``)."""

    order_id: str
    user_id: str
    enrollments: tuple[EnrollmentRequested, ...]
    enrollment_event_ids: tuple[str, ...]


@dataclass(frozen=True)
class EnrollmentApproved:
    """Connector 2: ``approved_by`` is "auto-approval" or the staff member's public id."""

    enrollment_id: str
    order_id: str | None
    order_item_id: str | None
    status: str
    approved_at: datetime
    approved_by: str


@dataclass(frozen=True)
class EnrollmentRejected:
    """Connector 2 for a refusal: commerce refunds the order item."""

    enrollment_id: str
    order_id: str | None
    order_item_id: str | None
    status: str
    rejected_at: datetime
    rejected_by: str
    reason: str


@dataclass(frozen=True)
class EnrollmentStarted:
    """Connector 2: the learner began the course (``status`` is "in_progress")."""

    enrollment_id: str
    order_id: str | None
    order_item_id: str | None
    status: str
    started_at: datetime


@dataclass(frozen=True)
class EnrollmentCompleted:
    """Connector 3: what payouts needs to confirm the creator's and instructor's shares."""

    enrollment_id: str
    user_id: str
    course_id: str
    instructor_id: str | None
    content_creator_id: str
    completed_at: datetime
    grade: int | None
    order_id: str | None
    order_item_id: str | None


@dataclass(frozen=True)
class EnrollmentInstructorAssigned:
    """Who teaches the enrollment from now on: ``instructor_id`` is ``None`` when nobody does
    (the enrollment was approved and the course has no instructor to assign).

    ``revision`` counts the enrollment's instructor changes (1 for the first), so that a
    consumer receiving them out of order keeps the latest. ``assigned_by`` is the staff member's
    ``usr_…`` or the system that acted ("commerce-platform" for the instructor named in the
    enrollment request, "auto-approval", …).
    """

    enrollment_id: str
    order_id: str | None
    order_item_id: str | None
    user_id: str
    course_id: str
    instructor_id: str | None
    previous_instructor_id: str | None
    revision: int
    assigned_at: datetime
    assigned_by: str
    reason: str


@dataclass(frozen=True)
class EnrollmentEnded:
    """An enrollment cancelled (before completion) or revoked (after it), with why and by whom."""

    enrollment_id: str
    user_id: str
    course_id: str
    order_id: str | None
    order_item_id: str | None
    status: str
    previous_status: str
    ended_at: datetime
    ended_by: str
    reason: str


@dataclass(frozen=True)
class InstructorInteractionRecorded:
    """An instructor's interaction with one learner's enrollment (the spec's
    InstructorInteractionRequirement.actual): ``kind`` is "discussion-reply",
    "assignment-graded" (``amount`` counts them) or "live-session" (``amount`` is minutes).
    ``interaction_id`` is unique per interaction, for consumers to count each once."""

    interaction_id: str
    enrollment_id: str
    instructor_id: str
    user_id: str
    course_id: str
    kind: str
    amount: int
    occurred_at: datetime
    order_id: str | None
    order_item_id: str | None


@dataclass(frozen=True)
class PurchasedEnrollment:
    """An enrollment an order item paid for, as a reconciliation with commerce needs it."""

    enrollment_id: str
    order_id: str
    order_item_id: str
    status: str


@dataclass(frozen=True)
class UserContact:
    """Whom to tell something, and where: a person's public id, address and name."""

    user_id: str
    email: str
    name: str


@dataclass(frozen=True)
class EnrollmentContact:
    """An enrollment's learner and course, for telling the learner about it. ``awaits_review``:
    pending, and staff (not the automatic approval about to run) will decide."""

    enrollment_id: str
    status: str
    awaits_review: bool
    learner: UserContact
    course_id: str
    course_title: str
    course_slug: str
