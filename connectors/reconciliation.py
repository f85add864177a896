"""Reconciliation: do commerce's sales, the LMS's enrollments and payouts' sales tell one story?

Each check compares what one context says with what another says, set-based (one read per
context, whatever the number of sales), and reports every disagreement with what is wrong and
why it matters. Where the cause is a delivery that never succeeded (a dead-lettered event), the
repair is well-defined: the event is delivered again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Q

from commerce import api as commerce_api
from connectors.inbound.idempotency import natural_key_text
from connectors.models import InboundRequest, OutboxDelivery
from connectors.outbox.services import outbox_delivery_replay
from connectors.rest_api.enrollments import ENROLLMENT_REQUEST_ENDPOINT
from lms import api as lms_api
from payouts import api as payouts_api

# The contexts whose records reconcile compares: only a delivery to one of them can still change
# the verdict (outbound webhooks and notifications change nothing compared).
RECONCILED_CONSUMERS = (
    Q(consumer__startswith="commerce:")
    | Q(consumer__startswith="lms:")
    | Q(consumer__startswith="payouts:")
)
PAID_NOT_ENROLLED = "paid-not-enrolled"
ENROLLED_NOT_PAID = "enrolled-not-paid"
REFUNDED_STILL_ENROLLED = "refunded-but-still-enrolled"
REJECTED_NOT_REFUNDED = "rejected-but-not-refunded"
COMPLETED_NOT_CONFIRMED = "completed-but-not-confirmed"
REVENUE_MISMATCH = "ledger-earned-revenue-mismatch"

# Enrollment states that still give the learner the course (or its certificate).
ACTIVE_STATES = {"pending", "approved", "in_progress", "completed"}
# A rejection refunds what is left of the item.
REJECTED = "rejected"


@dataclass(frozen=True)
class Finding:
    kind: str
    order_id: str
    order_item_id: str
    enrollment_id: str
    problem: str
    repair: str = ""
    # The dead-lettered deliveries behind it, delivered again by a repairing run.
    dead_delivery_ids: tuple[int, ...] = ()
    # The consumer whose dead-lettered deliveries (if any) explain it; none needs a person.
    lost_by: str = ""


def reconcile(*, repair: bool = True) -> list[Finding]:
    """Compare commerce's ledger, the LMS's purchased enrollments and payouts' sales; re-deliver
    the dead-lettered events behind a disagreement when ``repair``.

    All three are read before anything is re-delivered: run eagerly, a re-delivery changes the
    contexts at once, and a later read would then disagree with an earlier one. An order item
    with an event still on its way to a context (a pending delivery: a first try, a retry in
    backoff) is not judged yet: the contexts are still converging, and a delivery that gives up
    is dead-lettered and judged by the next run.
    """
    sales = {row.order_item_id: row for row in commerce_api.revenue_by_order_item()}
    enrollments = {row.order_item_id: row for row in lms_api.purchased_enrollments()}
    known = {row.order_item_id: row for row in payouts_api.sales_overview()}
    findings = _commerce_and_lms(sales, enrollments) + _payouts(sales, enrollments, known)
    in_flight = _in_flight(findings)
    findings = _with_repairs(
        [finding for finding in findings if finding.order_item_id not in in_flight], repair
    )
    if repair:
        dead = [delivery_id for f in findings for delivery_id in f.dead_delivery_ids]
        if dead:
            outbox_delivery_replay(delivery_ids=dead)
    return findings


def _commerce_and_lms(sales: dict, enrollments: dict) -> list[Finding]:
    findings: list[Finding] = []

    missing = [sale for item_id, sale in sales.items() if item_id not in enrollments]
    for sale in missing:
        if _refunded_in_full(sale):
            continue  # refunded before any enrollment: nothing is owed to the learner
        if sale.rejected:
            # The LMS refused to enroll for good (Connector 1) and commerce refunds the item.
            if sale.gross_amount > 0:
                findings.append(_refusal_not_refunded(sale))
            continue
        findings.append(
            Finding(
                kind=PAID_NOT_ENROLLED,
                order_id=sale.order_id,
                order_item_id=sale.order_item_id,
                enrollment_id="",
                problem="the learner paid for this item but the LMS has no enrollment for it, "
                "so they cannot learn what they bought",
                lost_by="lms:enrollment-request",
            )
        )

    sold_elsewhere = _sold_by_outside_systems(
        [e for item_id, e in enrollments.items() if item_id not in sales]
    )
    for item_id, enrollment in enrollments.items():
        sale = sales.get(item_id)
        if sale is None:
            if item_id in sold_elsewhere:
                continue
            findings.append(
                Finding(
                    kind=ENROLLED_NOT_PAID,
                    order_id=enrollment.order_id,
                    order_item_id=item_id,
                    enrollment_id=enrollment.enrollment_id,
                    problem="the LMS enrolled the learner for this order item but commerce "
                    "recorded no payment for it, so the course was given away",
                )
            )
        elif _refunded_in_full(sale) and enrollment.status in ACTIVE_STATES:
            findings.append(
                Finding(
                    kind=REFUNDED_STILL_ENROLLED,
                    order_id=sale.order_id,
                    order_item_id=item_id,
                    enrollment_id=enrollment.enrollment_id,
                    problem=f"the item was refunded in full but the enrollment is still "
                    f"{enrollment.status}, so the learner keeps what they were paid back for",
                    lost_by="lms:enrollment-end-for-refund",
                )
            )
        elif enrollment.status == REJECTED and sale.gross_amount > 0:
            findings.append(
                Finding(
                    kind=REJECTED_NOT_REFUNDED,
                    order_id=sale.order_id,
                    order_item_id=item_id,
                    enrollment_id=enrollment.enrollment_id,
                    problem=f"the LMS rejected the enrollment but commerce still keeps "
                    f"{sale.gross_amount} {sale.currency} (minor units) of this item, so the "
                    f"learner paid for a course they were refused",
                    lost_by="commerce:enrollment-rejected",
                )
            )
    return findings


def _refusal_not_refunded(sale) -> Finding:
    return Finding(
        kind=REJECTED_NOT_REFUNDED,
        order_id=sale.order_id,
        order_item_id=sale.order_item_id,
        enrollment_id="",
        problem=f"the LMS refused to enroll the learner for this item, but commerce still keeps "
        f"{sale.gross_amount} {sale.currency} (minor units) of it: its refund has not reached "
        f"the processor or is still with it",
    )


def _sold_by_outside_systems(enrollments: list) -> set[str]:
    """The order items among these whose enrollment an outside commerce system asked for over
    the connector endpoint: their sale is in that system's books, not in commerce's (one query)."""
    if not enrollments:
        return set()
    keys = {
        natural_key_text({"orderId": e.order_id, "orderItemId": e.order_item_id}): e.order_item_id
        for e in enrollments
    }
    requested = InboundRequest.objects.filter(
        endpoint=ENROLLMENT_REQUEST_ENDPOINT, natural_key__in=list(keys)
    ).values_list("natural_key", flat=True)
    return {keys[key] for key in requested}


def _refunded_in_full(sale) -> bool:
    # Nothing left of the sale, and something paid back: an item sold for nothing (a full
    # discount) has nothing left either, but its learner is owed their course.
    return sale.refunded_amount > 0 and sale.gross_amount <= 0


def _payouts(sales: dict, enrollments: dict, known: dict) -> list[Finding]:
    """Payouts must know each sale with commerce's gross less refunds, and each completion."""
    findings: list[Finding] = []
    unrecorded = [
        sale
        for item_id, sale in sales.items()
        if known.get(item_id) is None or known[item_id].gross_amount is None
    ]
    for sale in unrecorded:
        findings.append(
            Finding(
                kind=REVENUE_MISMATCH,
                order_id=sale.order_id,
                order_item_id=sale.order_item_id,
                enrollment_id="",
                problem="commerce recorded this sale but payouts has no revenue for it, so "
                "nobody will be paid their share of it",
                lost_by="payouts:revenue-recorded",
            )
        )
    recorded = [
        (sale, known[item_id])
        for item_id, sale in sales.items()
        if item_id in known and known[item_id].gross_amount is not None
    ]
    mismatched = [
        (sale, payout_sale)
        for sale, payout_sale in recorded
        if payout_sale.gross_amount - payout_sale.refunded_amount != sale.gross_amount
        or payout_sale.currency != sale.currency
    ]
    for sale, payout_sale in mismatched:
        kept = payout_sale.gross_amount - payout_sale.refunded_amount
        findings.append(
            Finding(
                kind=REVENUE_MISMATCH,
                order_id=sale.order_id,
                order_item_id=sale.order_item_id,
                enrollment_id="",
                problem=f"commerce's ledger keeps {sale.gross_amount} {sale.currency} "
                f"(minor units, after refunds) of this sale but payouts shares out "
                f"{kept} {payout_sale.currency}, so payees would be paid on the wrong amount",
                lost_by="payouts:refund-recorded",
            )
        )

    completed = [
        e for e in enrollments.values() if e.status == "completed" and e.order_item_id in sales
    ]
    unconfirmed = [
        e
        for e in completed
        if known.get(e.order_item_id) is None or not known[e.order_item_id].completed
    ]
    for enrollment in unconfirmed:
        findings.append(
            Finding(
                kind=COMPLETED_NOT_CONFIRMED,
                order_id=enrollment.order_id,
                order_item_id=enrollment.order_item_id,
                enrollment_id=enrollment.enrollment_id,
                problem="the learner completed the course but payouts has not heard of it, so "
                "the creator's and instructor's shares stay unconfirmed and unpaid",
                lost_by="payouts:enrollment-completed",
            )
        )
    return findings


def _in_flight(findings: list[Finding]) -> set[str]:
    """Those of the findings' order items with an event still being delivered to another
    context (one query; only deliveries to the reconciled contexts count)."""
    if not findings:
        return set()
    rows = (
        OutboxDelivery.objects.filter(
            status=OutboxDelivery.Status.PENDING,
            event__payload__order_id__in={finding.order_id for finding in findings},
        )
        .filter(RECONCILED_CONSUMERS)
        .values_list("event__payload", flat=True)
    )
    return {item_id for payload in rows for item_id in order_item_ids_of(payload)}


def order_item_ids_of(payload: dict) -> list[str]:
    """The order items an event speaks of: its own (one item's facts), or each of its items'
    (commerce's ``order.paid``, which states the whole order)."""
    if isinstance(payload.get("items"), list):
        return [item.get("order_item_id") for item in payload["items"]]
    return [payload.get("order_item_id")]


def _with_repairs(findings: list[Finding], repair: bool) -> list[Finding]:
    """The findings with the dead-lettered deliveries behind them, and what is done about them
    (one query for all of them)."""
    lost = [finding for finding in findings if finding.lost_by]
    if not lost:
        return findings
    rows = OutboxDelivery.objects.filter(
        status=OutboxDelivery.Status.DEAD,
        consumer__in={finding.lost_by for finding in lost},
        event__payload__order_id__in={finding.order_id for finding in lost},
    ).values_list("consumer", "event__payload", "event__event_type", "pk")
    # An item may have several dead deliveries for one consumer (one per refund of it).
    dead: dict[tuple[str, str], list[int]] = {}
    event_types: dict[tuple[str, str], str] = {}
    for consumer, payload, event_type, delivery_id in rows:
        for order_item_id in order_item_ids_of(payload):
            dead.setdefault((consumer, order_item_id), []).append(delivery_id)
            event_types[(consumer, order_item_id)] = event_type
    repaired = []
    for finding in findings:
        key = (finding.lost_by, finding.order_item_id)
        delivery_ids = dead.get(key)
        if delivery_ids:
            finding = replace(finding, **_repair(delivery_ids, repair, event_types[key]))
        repaired.append(finding)
    return repaired


def _repair(delivery_ids: list[int], repair: bool, event_type: str) -> dict:
    """The finding's repair: its dead-lettered deliveries, and what is done about them."""
    count = len(delivery_ids)
    dead = f"{count} dead-lettered {event_type} deliver{'y' if count == 1 else 'ies'}"
    return {
        "repair": f"{dead}, sent again" if repair else f"{dead}; run with repair to deliver again",
        "dead_delivery_ids": tuple(delivery_ids),
    }
