"""Facts about order items, and the earned revenue derived from them.

Each api call stores its fact on the order item's ``Sale`` (idempotently) and then calls
``sale_reconcile``, which brings the earned-revenue rows in line with all the facts known so far.
Because the rows and their states are a function of the facts (never of their arrival order),
completion before revenue, approval before revenue, a refund before anything, or any fact twice
all end in the same state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.db import transaction
from django.db.models import Case, Sum, When
from django.utils import timezone

from cadence.kernel.money import Money, allocate, round_half_away
from payouts import conf
from payouts.data import (
    EnrollmentApproved,
    EnrollmentCompleted,
    InstructorAssigned,
    RefundIssued,
    RevenueRecorded,
)
from payouts.errors import PayoutsConflict, PayoutsError
from payouts.models import (
    EarnedRevenue,
    InstructorEngagement,
    InteractionRequirement,
    PoolRecipient,
    RevenueShareConfig,
    Role,
    Sale,
    SaleRefund,
)
from payouts.services.inputs import require_currency, require_id, require_minor, require_moment
from payouts.services.journal import (
    CLEARING,
    PLATFORM_LOSSES,
    PROCESSOR_FEES,
    Posting,
    account_for,
    journal_post,
)

Status = EarnedRevenue.Status
Kind = EarnedRevenue.Kind


# --- the sale row ---------------------------------------------------------------------------


def _locked_sale(*, order_id: str, order_item_id: str) -> Sale:
    """The order item's fact row, created if new, locked for the rest of the transaction."""
    # Two statements whether the row is new or not, and no savepoint: an insert that meets the
    # row (or a concurrent call's uncommitted one, which it waits for) does nothing, and the lock
    # below waits for that call to commit.
    Sale.objects.bulk_create(
        [Sale(order_id=order_id, order_item_id=order_item_id)], ignore_conflicts=True
    )
    return Sale.objects.select_for_update().get(order_id=order_id, order_item_id=order_item_id)


def _set_enrollment(sale: Sale, enrollment_id: str) -> None:
    if sale.enrollment_id and sale.enrollment_id != enrollment_id:
        raise PayoutsConflict(
            f"order item {sale.order_item_id} belongs to enrollment {sale.enrollment_id}, "
            f"not {enrollment_id}",
            field="enrollmentId",
        )
    sale.enrollment_id = enrollment_id


def share_config_in_force(*, course_id: str, at: datetime) -> RevenueShareConfig:
    """The course's config in force at ``at``, else the platform default in force then.

    With no config rows at all, the spec's 40/30/30 split applies (an unsaved config).
    """
    # One query: the course's own rows sort before the platform default's.
    config = (
        RevenueShareConfig.objects.filter(course_id__in={course_id, ""}, effective_from__lte=at)
        .annotate(platform_default=Case(When(course_id="", then=1), default=0))
        .order_by("platform_default", "-effective_from")
        .first()
    )
    return config if config is not None else spec_default_config()


def spec_default_config() -> RevenueShareConfig:
    """The spec's 40/30/30 split, unsaved: what applies while no config row is in force."""
    return RevenueShareConfig(
        course_id="",
        content_creator_share_bp=4000,
        instructor_pool_share_bp=3000,
        platform_share_bp=3000,
        no_instructor_recipient=PoolRecipient.PLATFORM,
    )


def config_apply(sale: Sale, config: RevenueShareConfig) -> None:
    """Fix on ``sale`` the split of ``config``: later changes to the config do not touch it."""
    sale.share_config = config if config.pk else None
    sale.content_creator_share_bp = config.content_creator_share_bp
    sale.instructor_pool_share_bp = config.instructor_pool_share_bp
    sale.platform_share_bp = config.platform_share_bp
    sale.no_instructor_recipient = config.no_instructor_recipient


# --- api facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedRevenue:
    """A revenue-recorded fact whose every field passed the checks."""

    order_id: str
    order_item_id: str
    facts: dict[str, object]  # the sale's fields; a repeat must bring the very same
    # Not compared on a repeat: it is what the LMS knew when each copy was sent, and the LMS's
    # own word on the enrollment's instructor supersedes it anyway.
    course_instructor_ids: list[str]


def revenue_checked(revenue: RevenueRecorded) -> CheckedRevenue:
    """``revenue``'s fields checked, or ``PayoutsError`` naming the first field refused.

    Amounts that do not reconcile (gross - tax - fee != net) are refused.
    """
    order_id = require_id(revenue.order_id, "orderId")
    order_item_id = require_id(revenue.order_item_id, "orderItemId")
    course_id = require_id(revenue.course_id, "courseId")
    creator_id = require_id(revenue.content_creator_id, "contentCreatorId")
    code = require_currency(revenue.currency)
    gross = require_minor(revenue.gross_amount, "grossAmount")
    tax = require_minor(revenue.tax_amount, "taxAmount")
    discount = require_minor(revenue.discount_amount, "discountAmount")
    fee = require_minor(revenue.platform_fee, "platformFee")
    # A charge smaller than the processor's fee leaves a negative net: a fact, recorded as a loss.
    net = require_minor(revenue.net_amount, "netAmount", may_be_negative=True)
    paid_at = require_moment(revenue.paid_at, "paidAt")
    if gross - tax - fee != net:
        raise PayoutsError(
            f"does not reconcile: grossAmount {Money(gross, code).to_decimal_string()} - "
            f"taxAmount {Money(tax, code).to_decimal_string()} - platformFee "
            f"{Money(fee, code).to_decimal_string()} is "
            f"{Money(gross - tax - fee, code).to_decimal_string()}, "
            f"not {Money(net, code).to_decimal_string()}",
            field="netAmount",
        )
    instructors = _user_ids(revenue.instructor_ids, "instructorIds")
    course_instructors = _user_ids(revenue.course_instructor_ids, "courseInstructorIds")
    facts = {
        "course_id": course_id,
        "content_creator_id": creator_id,
        "instructor_ids": instructors,
        "currency": code,
        "gross_minor": gross,
        "tax_minor": tax,
        "discount_minor": discount,
        "processor_fee_minor": fee,
        "net_minor": net,
        "paid_at": paid_at,
    }
    return CheckedRevenue(order_id, order_item_id, facts, course_instructors)


@transaction.atomic
def revenue_record(*, revenue: RevenueRecorded, now: datetime | None = None) -> Sale:
    """Record a paid order item (Connector 4) and create its pending earned revenue.

    Idempotent on (orderId, orderItemId): the same payload again changes nothing; a different
    payload for the same item is refused. A payload the checks refuse
    (``revenue_checked``) writes nothing.
    """
    checked = revenue_checked(revenue)
    sale = _locked_sale(order_id=checked.order_id, order_item_id=checked.order_item_id)
    if sale.is_recorded:
        for name, value in checked.facts.items():
            if getattr(sale, name) != value:
                raise PayoutsConflict(
                    f"order item {checked.order_item_id} was already recorded with a different "
                    f"{name}",
                    field=_camel(name),
                )
        return sale
    config = share_config_in_force(
        course_id=checked.facts["course_id"], at=checked.facts["paid_at"]
    )
    for name, value in checked.facts.items():
        setattr(sale, name, value)
    sale.course_instructor_ids = checked.course_instructor_ids
    sale.revenue_recorded_at = now or timezone.now()
    config_apply(sale, config)
    sale.save()
    sale_reconcile(sale=sale, now=now)
    return sale


@transaction.atomic
def enrollment_approval_record(
    *, approval: EnrollmentApproved, now: datetime | None = None
) -> Sale:
    """Record that the enrollment bought by this order item was approved (confirms platform)."""
    order_id = require_id(approval.order_id, "orderId")
    order_item_id = require_id(approval.order_item_id, "orderItemId")
    enrollment_id = require_id(approval.enrollment_id, "enrollmentId")
    approved_at = require_moment(approval.approved_at, "approvedAt")
    sale = _locked_sale(order_id=order_id, order_item_id=order_item_id)
    _set_enrollment(sale, enrollment_id)
    if sale.approved_at is None:
        sale.approved_at = approved_at
    sale.save()
    sale_reconcile(sale=sale, now=now)
    return sale


@transaction.atomic
def enrollment_completion_record(
    *, completion: EnrollmentCompleted, now: datetime | None = None
) -> Sale:
    """Record a completion (Connector 3): confirms the creator, and the instructors if eligible."""
    order_id = require_id(completion.order_id, "orderId")
    order_item_id = require_id(completion.order_item_id, "orderItemId")
    enrollment_id = require_id(completion.enrollment_id, "enrollmentId")
    learner_id = require_id(completion.user_id, "userId")
    completed_at = require_moment(completion.completed_at, "completedAt")
    if completion.grade is not None and (
        isinstance(completion.grade, bool) or not isinstance(completion.grade, int)
    ):
        raise PayoutsError("must be a whole number", field="grade")
    sale = _locked_sale(order_id=order_id, order_item_id=order_item_id)
    _set_enrollment(sale, enrollment_id)
    if sale.completed_at is None:
        sale.completed_at = completed_at
        sale.learner_id = learner_id
        sale.completion_instructor_id = (completion.instructor_id or "").strip()
        sale.grade = completion.grade
    sale.save()
    sale_reconcile(sale=sale, now=now)
    return sale


@transaction.atomic
def instructor_assignment_record(
    *, assignment: InstructorAssigned, now: datetime | None = None
) -> Sale:
    """Record the LMS's word on who teaches the enrollment; the pool follows it.

    Revisions may arrive in any order and twice: the highest one is kept, so the outcome is
    that of the latest word.
    """
    order_id = require_id(assignment.order_id, "orderId")
    order_item_id = require_id(assignment.order_item_id, "orderItemId")
    enrollment_id = require_id(assignment.enrollment_id, "enrollmentId")
    instructor_id = (assignment.instructor_id or "").strip()
    if instructor_id:
        require_id(instructor_id, "instructorId")
    revision = assignment.revision
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise PayoutsError("must be a whole number from 1", field="revision")
    assigned_at = require_moment(assignment.assigned_at, "assignedAt")
    sale = _locked_sale(order_id=order_id, order_item_id=order_item_id)
    _set_enrollment(sale, enrollment_id)
    if revision > sale.instructor_revision:
        sale.instructor_revision = revision
        sale.assigned_instructor_id = instructor_id
        sale.instructor_assigned_at = assigned_at
    sale.save()
    sale_reconcile(sale=sale, now=now)
    return sale


def _user_ids(values: object, field: str) -> list[str]:
    if not isinstance(values, (list, tuple)):
        raise PayoutsError("must be a list of user ids", field=field)
    return sorted({require_id(value, field) for value in values})


@transaction.atomic
def refund_record(*, refund: RefundIssued, now: datetime | None = None) -> SaleRefund:
    """Record a refund of part or all of an order item's gross and reverse revenue accordingly.

    The reversal is proportional: refunding a fraction of the gross reverses the same fraction of
    the net, split over the shares by largest remainder. Unpaid shares of a fully refunded item
    are reversed outright; already paid shares get a negative row netted from the next payout.
    Idempotent on refundId.
    """
    refund_id = require_id(refund.refund_id, "refundId")
    order_id = require_id(refund.order_id, "orderId")
    order_item_id = require_id(refund.order_item_id, "orderItemId")
    code = require_currency(refund.currency)
    amount = require_minor(refund.amount, "amount")
    if amount == 0:
        raise PayoutsError("must be more than zero", field="amount")
    refunded_at = require_moment(refund.refunded_at, "refundedAt")
    sale = _locked_sale(order_id=order_id, order_item_id=order_item_id)
    existing = SaleRefund.objects.filter(refund_id=refund_id).first()
    if existing is not None:
        if (existing.sale_id, existing.amount_minor, existing.currency) != (sale.pk, amount, code):
            raise PayoutsConflict(
                f"refund {refund_id} was already recorded differently", field="refundId"
            )
        return existing
    if sale.is_recorded:
        if code != sale.currency:
            raise PayoutsError(f"must be {sale.currency}, the sale's currency", field="currency")
        already = sale.refunds.aggregate(total=Sum("amount_minor"))["total"] or 0
        if already + amount > sale.gross_minor:
            remaining = Money(sale.gross_minor - already, code).to_decimal_string()
            raise PayoutsError(
                f"exceeds what is left to refund of the item ({remaining} {code})",
                field="amount",
            )
    row = SaleRefund.objects.create(
        refund_id=refund_id, sale=sale, amount_minor=amount, currency=code, refunded_at=refunded_at
    )
    sale_reconcile(sale=sale, now=now)
    return row


# --- derivation -----------------------------------------------------------------------------


def sale_reconcile(*, sale: Sale, now: datetime | None = None) -> None:
    """Bring the sale's earned revenue in line with its facts. Caller holds the sale's lock."""
    if not sale.is_recorded:
        return
    now = now or timezone.now()
    shares = _shares_ensure(sale, now)
    _pool_follow(sale, now)
    _refunds_apply(sale, shares, now)
    _states_apply(sale, now)


# No payee yet: the pool of a sale whose instructor nobody has named.
UNASSIGNED = ""


def pool_instructors(sale: Sale) -> list[str] | None:
    """Who the sale's instructor pool belongs to; ``[]`` for nobody, ``None`` for not known yet.

    The enrollment's instructor as the LMS last said (it names the instructor the enrollment
    request pre-assigned, else the one it assigned on approval; nobody when the course had no
    instructor), else the instructors the seller named, else the instructor the completion
    names, else the course's instructors at sale time.
    """
    if sale.instructor_revision:
        return [sale.assigned_instructor_id] if sale.assigned_instructor_id else []
    for named in (
        sale.instructor_ids,
        [sale.completion_instructor_id] if sale.completion_instructor_id else [],
        sale.course_instructor_ids,
    ):
        if named:
            return sorted(named)
    return None


def share_amounts(sale: Sale) -> list[tuple[str, str, int]]:
    """(role, user id, minor units) of each share of the sale's net, by largest remainder."""
    # A net of zero or less (the fee took it all) is shared as nothing: the platform bears the
    # loss (``_shares_ensure`` journals it), and no payee ever owes for a sale.
    creator, pool, platform = allocate(
        max(sale.net_minor, 0),
        [sale.content_creator_share_bp, sale.instructor_pool_share_bp, sale.platform_share_bp],
    )
    instructors = pool_instructors(sale)
    if instructors is None:
        # Not the platform's while the instructor may still be named: it waits without a payee.
        instructors = [UNASSIGNED]
    if not instructors:  # nobody teaches it: the pool goes to the no-instructor recipient
        if sale.no_instructor_recipient == PoolRecipient.CONTENT_CREATOR:
            creator += pool
        else:
            platform += pool
    lines = [(Role.CONTENT_CREATOR, sale.content_creator_id, creator)]
    if instructors:
        parts = allocate(pool, [1] * len(instructors))
        pairs = zip(instructors, parts, strict=True)
        lines += [(Role.INSTRUCTOR, user, part) for user, part in pairs]
    lines.append((Role.PLATFORM, "", platform))
    return lines


def _pool_follow(sale: Sale, now: datetime) -> None:
    """Pass the pool money of instructors who no longer teach the enrollment to the one who does
    (or, for nobody, to the no-instructor recipient), as long as it is neither confirmed nor
    touched by a refund or forfeit: confirmed money was earned by whoever held it then."""
    payees = pool_instructors(sale)
    if payees is None:
        return  # not known yet: the pool waits where it is
    rows = list(sale.earned_revenue.select_for_update().order_by("id"))
    if len(payees) > 1:
        return  # a list the seller or the course named: the shares were made from it already
    derived_from = {row.origin_id for row in rows if row.origin_id}
    movable = [
        row
        for row in rows
        if row.role == Role.INSTRUCTOR
        and row.kind in (Kind.SHARE, Kind.REASSIGNMENT)
        and row.status in (Status.PENDING, Status.HELD)
        and row.payout_id is None
        and row.pk not in derived_from
        and row.user_id not in payees
    ]
    if payees:
        role, user_id = Role.INSTRUCTOR, payees[0]
    elif sale.no_instructor_recipient == PoolRecipient.CONTENT_CREATOR:
        role, user_id = Role.CONTENT_CREATOR, sale.content_creator_id
    else:
        role, user_id = Role.PLATFORM, ""
    for row in movable:
        source_account = account_for(row, row.status)
        row.reassign()
        row.save()
        successor = EarnedRevenue.objects.create(
            sale=sale,
            role=role,
            user_id=user_id,
            kind=Kind.REASSIGNMENT,
            origin=row,
            amount_minor=row.amount_minor,
            currency=row.currency,
            hold_until=row.hold_until,
        )
        journal_post(
            key=f"{row.public_id}:reassigned",
            description=f"Instructor pool {row.public_id} passed to {successor.public_id}",
            legs=[
                (source_account, row.amount),
                (account_for(successor, Status.PENDING), -row.amount),
            ],
            at=now,
            sale=sale,
        )


def _shares_ensure(sale: Sale, now: datetime) -> list[EarnedRevenue]:
    existing = list(sale.earned_revenue.filter(kind=Kind.SHARE).order_by("id"))
    if existing:
        return existing
    rows = EarnedRevenue.objects.bulk_create(new_shares(sale))
    journal_post(**recorded_posting(sale, rows)._asdict(), at=now)
    return rows


def new_shares(sale: Sale) -> list[EarnedRevenue]:
    """The sale's shares as ``share_amounts`` splits it, unsaved, pending until the hold ends."""
    hold_until = sale.paid_at + conf.hold_period()
    return [
        EarnedRevenue(
            sale=sale,
            role=role,
            user_id=user_id,
            kind=Kind.SHARE,
            amount_minor=minor,
            currency=sale.currency,
            hold_until=hold_until,
        )
        for role, user_id, minor in share_amounts(sale)
    ]


def recorded_posting(sale: Sale, shares: list[EarnedRevenue]) -> Posting:
    """The ``sale:<id>:recorded`` journal transaction of a sale and its new, pending shares:
    what commerce holds for it, less the processor's fee and any loss, owed to the shares."""
    legs = [
        (CLEARING, Money(sale.gross_minor - sale.tax_minor, sale.currency)),
        (PROCESSOR_FEES, Money(-sale.processor_fee_minor, sale.currency)),
        (PLATFORM_LOSSES, Money(max(-sale.net_minor, 0), sale.currency)),
    ] + [(account_for(row, Status.PENDING), -row.amount) for row in shares]
    return Posting(
        key=f"sale:{sale.pk}:recorded",
        description=f"Revenue recorded for {sale.order_id}/{sale.order_item_id}",
        legs=legs,
        sale=sale,
    )


def _holder(share: EarnedRevenue, rows: list[EarnedRevenue]) -> EarnedRevenue:
    """The row holding a share's money now: the share, or the row it was forfeited or passed
    to (and so on, along the chain)."""
    successor_kind = {Status.FORFEITED: Kind.FORFEIT, Status.REASSIGNED: Kind.REASSIGNMENT}
    holder = share
    while holder.status in successor_kind:
        kind = successor_kind[holder.status]
        holder = next(row for row in rows if row.kind == kind and row.origin_id == holder.pk)
    return holder


def _is_settled(row: EarnedRevenue) -> bool:
    """Paid, or on its way out in a payout: a refund can only be netted from later payouts."""
    return row.status == Status.PAID or row.payout_id is not None


def _tree(share: EarnedRevenue, rows: list[EarnedRevenue]) -> list[EarnedRevenue]:
    """The share and every row derived from it (reversals, forfeits, their reversals …).

    ``rows`` are the sale's rows in the order they were written, and a row is only ever derived
    from one written before it, so one pass meets every origin before the rows derived from it.
    """
    members = {share.pk}
    for row in rows:
        if row.origin_id in members:
            members.add(row.pk)
    return [row for row in rows if row.pk in members]


LIVE = (Status.PENDING, Status.HELD, Status.CONFIRMED, Status.PAID)


def _refunds_apply(sale: Sale, shares: list[EarnedRevenue], now: datetime) -> None:
    refunds = list(sale.refunds.order_by("id"))
    if not refunds or sale.gross_minor == 0:
        return
    refunded = min(sum(r.amount_minor for r in refunds), sale.gross_minor)
    full = refunded == sale.gross_minor
    weights = [abs(share.amount_minor) for share in shares]
    if not any(weights):
        return
    # The sale's rows, read once: the helpers below find every tree in this list, move its rows
    # in place and append the rows they create, so it stays the whole truth without a reload.
    # Locked, so that a payout batch cannot attach a row between this read and its reversal.
    rows = list(sale.earned_revenue.select_for_update().order_by("id"))
    by_pk = {row.pk: row for row in rows}
    shares = [by_pk[share.pk] for share in shares]
    cumulative = 0
    previous_targets = [0] * len(shares)
    for refund in refunds:
        cumulative = min(cumulative + refund.amount_minor, sale.gross_minor)
        reversed_net = round_half_away(Fraction(sale.net_minor * cumulative, sale.gross_minor))
        targets = allocate(reversed_net, weights)
        for share, target, before in zip(shares, targets, previous_targets, strict=True):
            holder = _holder(share, rows)
            if full and holder.status in LIVE and not _is_settled(holder):
                continue  # reversed outright below
            _reversal_ensure(sale, share, holder, refund, before - target, now, rows)
        previous_targets = targets
    if full:
        for share in shares:
            _share_reverse_fully(sale, share, refunds[-1], now, rows)


def _share_reverse_fully(
    sale: Sale, share: EarnedRevenue, refund: SaleRefund, now: datetime, rows: list[EarnedRevenue]
) -> None:
    """Reverse every unsettled row of the share; a settled remainder gets a negative row.

    A row that takes back (or gives back) money already paid out stays: reversing it would
    cancel the very deduction the refund asks for. What the share's live rows still add up to
    after that is put right by one new reversal row, so they always come to nothing. A payout
    that comes back later (its rows unsettled, and so reversed now) can leave such a remainder
    again for the same refund: it is put right by a further row with the next correction number,
    as a settled row is never edited; with nothing left over, nothing is written.
    """
    tree = _tree(share, rows)
    by_pk = {row.pk: row for row in tree}
    for row in tree:
        origin = by_pk.get(row.origin_id)
        takes_back_paid_money = (
            row.kind == Kind.REVERSAL and origin is not None and _is_settled(origin)
        )
        if row.status in LIVE and not _is_settled(row) and not takes_back_paid_money:
            _transition(row, "reverse", Status.REVERSED, now)
    live = [row for row in tree if row.status in LIVE]
    remaining = sum(row.amount_minor for row in live)
    if not remaining:
        return
    # Every row kept live is settled or takes back a settled one, so a settled row is there to
    # hang the correction on, and the correction (its origin settled) is kept by later calls.
    origin = next(row for row in live if _is_settled(row))
    correction = sum(
        1
        for row in rows
        if row.kind == Kind.REVERSAL and row.origin_id == origin.pk and row.refund_id == refund.pk
    )
    _reversal_row_create(sale, origin, refund, -remaining, now, rows, correction=correction)


def _reversal_ensure(
    sale: Sale,
    share: EarnedRevenue,
    holder: EarnedRevenue,
    refund: SaleRefund,
    minor: int,
    now: datetime,
    rows: list[EarnedRevenue],
) -> None:
    if minor == 0 or holder.status == Status.REVERSED:
        return
    # Once per share and refund, wherever the share's money has moved since (a forfeit).
    if any(r.kind == Kind.REVERSAL and r.refund_id == refund.pk for r in _tree(share, rows)):
        return
    _reversal_row_create(sale, holder, refund, minor, now, rows)


def _reversal_row_create(
    sale: Sale,
    holder: EarnedRevenue,
    refund: SaleRefund,
    minor: int,
    now: datetime,
    rows: list[EarnedRevenue],
    *,
    correction: int = 0,
) -> None:
    status = Status.CONFIRMED if _is_settled(holder) else holder.status
    row = EarnedRevenue(
        sale=sale,
        role=holder.role,
        user_id=holder.user_id,
        kind=Kind.REVERSAL,
        origin=holder,
        refund=refund,
        correction=correction,
        amount_minor=minor,
        currency=holder.currency,
        # Netted from the very next payout when the share itself was already paid.
        hold_until=now if _is_settled(holder) else holder.hold_until,
        confirmed_at=now if status == Status.CONFIRMED else None,
        # A new row starts in the state that mirrors its share (its initial state, not a move).
        status=status,
    )
    row.save()
    rows.append(row)
    journal_post(
        key=f"{row.public_id}:created",
        description=f"Refund {refund.refund_id} reverses part of {holder.public_id}",
        legs=[(account_for(row, status), -row.amount), (CLEARING, row.amount)],
        at=now,
        sale=sale,
    )


def _transition(row: EarnedRevenue, name: str, target: str, now: datetime, **kwargs) -> None:
    source_account = account_for(row, row.status)
    getattr(row, name)(**kwargs)
    row.save()
    if target == Status.FORFEITED:
        return
    journal_post(
        key=f"{row.public_id}:{target}",
        description=f"{row.get_role_display()} share {row.public_id} {target}",
        legs=[(source_account, row.amount), (account_for(row, target), -row.amount)],
        at=now,
        sale=row.sale,
    )


def _desired_status(sale: Sale, row: EarnedRevenue, now: datetime, eligible: set[str]) -> str:
    if row.role == Role.INSTRUCTOR and row.user_id == UNASSIGNED:
        return Status.PENDING  # nobody to confirm it for, hold it for or forfeit it from
    if row.role == Role.PLATFORM:
        return Status.CONFIRMED if (sale.approved_at or sale.completed_at) else Status.PENDING
    if sale.completed_at is None:
        return Status.PENDING
    if row.role == Role.CONTENT_CREATOR:
        return Status.CONFIRMED
    if row.user_id in eligible:
        return Status.CONFIRMED
    if now >= sale.completed_at + conf.forfeit_window():
        return Status.FORFEITED
    return Status.HELD


def _states_apply(sale: Sale, now: datetime) -> None:
    rows = list(
        sale.earned_revenue.filter(
            kind__in=[Kind.SHARE, Kind.REVERSAL, Kind.REASSIGNMENT],
            status__in=[Status.PENDING, Status.HELD],
        ).order_by("id")
    )
    instructors = {
        row.user_id for row in rows if row.role == Role.INSTRUCTOR and row.user_id != UNASSIGNED
    }
    eligible = (
        _eligible_instructors(sale, instructors) if instructors and sale.completed_at else set()
    )
    forfeited = []
    for row in rows:
        desired = _desired_status(sale, row, now, eligible)
        if desired == row.status:
            continue
        if desired == Status.CONFIRMED:
            _transition(row, "confirm", Status.CONFIRMED, now, at=now)
        elif desired == Status.HELD:
            _transition(row, "hold", Status.HELD, now)
            # So that staff find it in the admin to verify the interaction by hand.
            InstructorEngagement.objects.get_or_create(
                enrollment_id=sale.enrollment_id, instructor_id=row.user_id
            )
        elif desired == Status.FORFEITED:
            if row.status == Status.PENDING:
                _transition(row, "hold", Status.HELD, now)
            _transition(row, "forfeit", Status.FORFEITED, now)
            forfeited.append(row)
    for row in forfeited:
        _forfeit_move(sale, row, now)


def _forfeit_move(sale: Sale, row: EarnedRevenue, now: datetime) -> None:
    """Give a forfeited instructor row's money to the platform, as a confirmed platform row."""
    platform_row = EarnedRevenue(
        sale=sale,
        role=Role.PLATFORM,
        user_id="",
        kind=Kind.FORFEIT,
        origin=row,
        amount_minor=row.amount_minor,
        currency=row.currency,
        hold_until=row.hold_until,
        confirmed_at=now,
        status=Status.CONFIRMED,
    )
    platform_row.save()
    journal_post(
        key=f"{row.public_id}:forfeited",
        description=f"Instructor share {row.public_id} forfeited to the platform",
        legs=[
            (account_for(row, Status.HELD), row.amount),
            (account_for(platform_row, Status.CONFIRMED), -row.amount),
        ],
        at=now,
        sale=sale,
    )


def interaction_requirements_for(course_ids: Iterable[str]) -> dict[str, InteractionRequirement]:
    """Each course's requirement, else the platform default, else the defaults (one query)."""
    wanted = set(course_ids)
    found = {
        requirement.course_id: requirement
        for requirement in InteractionRequirement.objects.filter(course_id__in=wanted | {""})
    }
    default = found.get("") or InteractionRequirement()
    return {course_id: found.get(course_id) or default for course_id in wanted}


def interaction_requirement_for(course_id: str) -> InteractionRequirement:
    return interaction_requirements_for([course_id])[course_id]


def engagement_is_eligible(
    engagement: InstructorEngagement | None, requirement: InteractionRequirement
) -> bool:
    """Any one minimum that is set is reached, or staff verified the interaction by hand."""
    if engagement is not None and engagement.manually_verified:
        return True
    if requirement.manual_verification_only:
        return False
    minimums = {
        "discussion_replies": requirement.discussion_replies,
        "assignments_graded": requirement.assignments_graded,
        "live_session_minutes": requirement.live_session_minutes,
    }
    if not any(minimums.values()):
        return True
    if engagement is None:
        return False
    return any(
        minimum and getattr(engagement, name) >= minimum for name, minimum in minimums.items()
    )


def _eligible_instructors(sale: Sale, instructors: set[str]) -> set[str]:
    """Those of ``instructors`` who meet the sale's requirement, read in one go for all of them."""
    requirement = interaction_requirement_for(sale.course_id)
    engagements = {
        engagement.instructor_id: engagement
        for engagement in InstructorEngagement.objects.filter(
            enrollment_id=sale.enrollment_id, instructor_id__in=instructors
        )
    }
    return {
        instructor
        for instructor in instructors
        if engagement_is_eligible(engagements.get(instructor), requirement)
    }


def _camel(name: str) -> str:
    mapping = {
        "processor_fee_minor": "platformFee",
        "gross_minor": "grossAmount",
        "tax_minor": "taxAmount",
        "discount_minor": "discountAmount",
        "net_minor": "netAmount",
    }
    if name in mapping:
        return mapping[name]
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def held_sales_due_for_forfeit(*, now: datetime) -> list[int]:
    """Ids of sales with held instructor revenue whose forfeit window has closed."""
    return list(
        Sale.objects.filter(
            earned_revenue__status=Status.HELD,
            completed_at__lte=now - conf.forfeit_window(),
        )
        .values_list("id", flat=True)
        .distinct()
    )


@transaction.atomic
def sale_forfeit_due(*, sale_id: int, now: datetime | None = None) -> None:
    """Re-derive one sale so that held instructor revenue past its window is forfeited."""
    sale = Sale.objects.select_for_update().get(pk=sale_id)
    sale_reconcile(sale=sale, now=now)
