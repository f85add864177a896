import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from payouts import api
from payouts.data import EnrollmentCompleted
from payouts.errors import PayoutsConflict, PayoutsError
from payouts.models import (
    EarnedRevenue,
    InteractionRequirement,
    JournalEntry,
    RevenueShareConfig,
    Sale,
)
from payouts.selectors.ledger import ledger_verify
from payouts.services.interactions import engagement_verify
from payouts.services.sales import held_sales_due_for_forfeit, sale_forfeit_due
from payouts.tests.factories import (
    PAID_AT,
    EnrollmentApprovedFactory,
    EnrollmentCompletedFactory,
    InstructorAssignedFactory,
    InteractionFactory,
    RefundFactory,
    RevenueRecordedFactory,
)
from payouts.tests.helpers import shares, snapshot

CREATOR = ("content-creator", "usr_creator")
INSTRUCTOR = ("instructor", "usr_instructor")
PLATFORM = ("platform", "")

pytestmark = pytest.mark.django_db


def sale(**overrides):
    return RevenueRecordedFactory(**{"order_id": "ord_1", "order_item_id": "oi_1", **overrides})


def test_the_spec_example_splits_the_net_into_pending_shares():
    api.revenue_record(sale())

    assert shares() == {
        CREATOR: ("pending", 7717),
        INSTRUCTOR: ("pending", 5788),
        PLATFORM: ("pending", 5788),
    }
    recorded = Sale.objects.get(order_item_id="oi_1")
    assert (recorded.net_minor, recorded.processor_fee_minor) == (19293, 607)
    assert (
        recorded.content_creator_share_bp,
        recorded.instructor_pool_share_bp,
        recorded.platform_share_bp,
    ) == (4000, 3000, 3000)


@pytest.mark.parametrize(("gross", "fee", "loss"), [(30, 31, 1), (31, 31, 0), (1, 30, 29)])
def test_a_sale_the_processor_fee_takes_all_of_has_zero_shares_and_the_platform_bears_the_loss(
    gross, fee, loss
):
    api.revenue_record(sale(gross_amount=gross, platform_fee=fee))
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    api.refund_record(RefundFactory(amount=gross))

    recorded = Sale.objects.get(order_item_id="oi_1")
    assert recorded.net_minor == gross - fee
    assert {key: amount for key, (_, amount) in shares().items()} == {
        CREATOR: 0,
        INSTRUCTOR: 0,
        PLATFORM: 0,
    }
    losses = JournalEntry.objects.filter(account="platform:losses")
    assert sum(e.amount_minor for e in losses) == loss
    assert ledger_verify().ok


def test_a_negative_net_that_does_not_reconcile_is_still_refused():
    with pytest.raises(PayoutsError, match="does not reconcile") as refused:
        api.revenue_record(sale(gross_amount=30, platform_fee=31, net_amount=-2))

    assert refused.value.field == "netAmount"
    assert not Sale.objects.filter(revenue_recorded_at__isnull=False).exists()


def test_completion_with_a_verified_interaction_confirms_creator_and_instructor():
    api.revenue_record(sale())
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    api.interaction_record(InteractionFactory())
    api.enrollment_completion_record(EnrollmentCompletedFactory())

    assert shares() == {
        CREATOR: ("confirmed", 7717),
        INSTRUCTOR: ("confirmed", 5788),
        PLATFORM: ("confirmed", 5788),
    }


def test_completion_without_interaction_holds_the_instructor_share_until_it_happens():
    api.revenue_record(sale())
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    assert shares()[INSTRUCTOR] == ("held", 5788)
    assert shares()[CREATOR] == ("confirmed", 7717)

    engagement_verify(enrollment_id="enr_1", instructor_id="usr_instructor", verified_by="staff")

    assert shares()[INSTRUCTOR] == ("confirmed", 5788)


def test_approval_confirms_only_the_platform_share():
    api.revenue_record(sale())
    api.enrollment_approval_record(EnrollmentApprovedFactory())

    assert shares() == {
        CREATOR: ("pending", 7717),
        INSTRUCTOR: ("pending", 5788),
        PLATFORM: ("confirmed", 5788),
    }


def test_recording_is_idempotent_per_order_item():
    api.revenue_record(sale())
    api.revenue_record(sale())

    assert EarnedRevenue.objects.count() == 3
    assert Sale.objects.count() == 1


def test_recording_the_item_again_with_other_amounts_is_refused():
    api.revenue_record(sale())

    with pytest.raises(PayoutsConflict) as refused:
        api.revenue_record(sale(gross_amount=20000))

    assert refused.value.field == "grossAmount"


def test_amounts_that_do_not_reconcile_are_refused_and_nothing_is_written():
    with pytest.raises(PayoutsError) as refused:
        api.revenue_record(sale(net_amount=19231))

    assert refused.value.field == "netAmount"
    assert "199.00" in refused.value.message and "192.93" in refused.value.message
    assert not Sale.objects.exists()
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"currency": "XXX"}, "currency"),
        ({"platform_fee": -1, "net_amount": 19901}, "platformFee"),
        ({"gross_amount": 199.0}, "grossAmount"),
        ({"order_item_id": ""}, "orderItemId"),
        ({"paid_at": datetime(2026, 1, 1)}, "paidAt"),
        ({"instructor_ids": ("",)}, "instructorIds"),
    ],
)
def test_bad_revenue_input_names_the_field(overrides, field):
    with pytest.raises(PayoutsError) as refused:
        api.revenue_record(sale(**overrides))

    assert refused.value.field == field
    assert not Sale.objects.exists()


def test_tax_is_left_out_of_the_split():
    api.revenue_record(sale(gross_amount=21890, tax_amount=1990))

    assert sum(amount for _, amount in shares().values()) == 21890 - 1990 - 607


def test_a_config_change_applies_to_new_sales_only():
    RevenueShareConfig.objects.create(
        course_id="crs_course",
        content_creator_share_bp=5000,
        instructor_pool_share_bp=2000,
        platform_share_bp=3000,
        effective_from=PAID_AT + timedelta(hours=1),
    )
    api.revenue_record(sale())
    api.revenue_record(
        RevenueRecordedFactory(order_item_id="oi_2", paid_at=PAID_AT + timedelta(hours=2))
    )

    assert shares("oi_1")[CREATOR] == ("pending", 7717)
    assert shares("oi_2")[CREATOR] == ("pending", 9646)


def test_without_instructors_the_pool_goes_to_the_platform_or_if_configured_the_creator():
    # The LMS says nobody teaches the enrollment (its course has no instructor) before the sale.
    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id=""))
    api.revenue_record(sale(instructor_ids=()))
    assert shares() == {CREATOR: ("pending", 7717), PLATFORM: ("pending", 11576)}

    RevenueShareConfig.objects.create(
        course_id="crs_solo",
        content_creator_share_bp=4000,
        instructor_pool_share_bp=3000,
        platform_share_bp=3000,
        no_instructor_recipient="content-creator",
        effective_from=datetime(2020, 1, 1, tzinfo=UTC),
    )
    api.instructor_assignment_record(
        InstructorAssignedFactory(order_id="ord_2", order_item_id="oi_2", instructor_id="")
    )
    api.revenue_record(RevenueRecordedFactory(order_id="ord_2", order_item_id="oi_2",
                                              course_id="crs_solo", instructor_ids=()))  # fmt: skip
    assert shares("oi_2") == {CREATOR: ("pending", 13505), PLATFORM: ("pending", 5788)}


def test_the_instructor_pool_is_split_among_the_instructors_by_largest_remainder():
    api.revenue_record(sale(instructor_ids=("usr_b", "usr_a", "usr_c")))

    pool = {user: amount for (role, user), (_, amount) in shares().items() if role == "instructor"}
    assert pool == {"usr_a": 1930, "usr_b": 1929, "usr_c": 1929}


def test_held_instructor_revenue_is_forfeited_to_the_platform_after_the_window():
    api.revenue_record(sale())
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    completed_at = EnrollmentCompletedFactory().completed_at

    assert held_sales_due_for_forfeit(now=completed_at + timedelta(days=59)) == []
    due = held_sales_due_for_forfeit(now=completed_at + timedelta(days=61))
    for sale_id in due:
        sale_forfeit_due(sale_id=sale_id, now=completed_at + timedelta(days=61))

    assert shares()[INSTRUCTOR] == ("forfeited", 5788)
    forfeit = EarnedRevenue.objects.get(kind="forfeit")
    assert (forfeit.role, forfeit.status, forfeit.amount_minor) == ("platform", "confirmed", 5788)
    # A late interaction does not bring forfeited money back.
    api.interaction_record(InteractionFactory())
    assert shares()[INSTRUCTOR] == ("forfeited", 5788)


def test_manual_verification_only_ignores_interaction_counts():
    InteractionRequirement.objects.create(course_id="crs_course", manual_verification_only=True)
    api.revenue_record(sale())
    api.interaction_record(InteractionFactory())
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    assert shares()[INSTRUCTOR] == ("held", 5788)


def test_live_session_minutes_count_towards_the_minimum():
    InteractionRequirement.objects.create(
        course_id="crs_course", discussion_replies=0, assignments_graded=0, live_session_minutes=30
    )
    api.revenue_record(sale())
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    api.interaction_record(InteractionFactory(kind="live-session", amount=20))
    assert shares()[INSTRUCTOR] == ("held", 5788)
    api.interaction_record(InteractionFactory(kind="live-session", amount=10))
    assert shares()[INSTRUCTOR] == ("confirmed", 5788)


def test_an_interaction_delivered_twice_counts_once():
    InteractionRequirement.objects.create(course_id="crs_course", discussion_replies=2)
    api.revenue_record(sale())
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    twice = InteractionFactory()
    api.interaction_record(twice)
    api.interaction_record(twice)
    assert shares()[INSTRUCTOR] == ("held", 5788)


def test_a_full_refund_reverses_pending_and_confirmed_revenue():
    api.revenue_record(sale())
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    api.refund_record(RefundFactory())

    assert {status for status, _ in shares().values()} == {"reversed"}
    assert EarnedRevenue.objects.filter(kind="reversal").count() == 0


def test_a_partial_refund_reverses_the_same_fraction_of_every_share():
    api.revenue_record(sale())
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    api.refund_record(RefundFactory(amount=9950))  # half the gross

    reversals = {
        (row.role, row.status): row.amount_minor
        for row in EarnedRevenue.objects.filter(kind="reversal")
    }
    assert reversals == {
        ("content-creator", "pending"): -3859,
        ("instructor", "pending"): -2894,
        ("platform", "confirmed"): -2894,
    }
    assert -sum(reversals.values()) == 9647  # half of the 192.93 net, rounded half away


def test_refunding_more_than_the_gross_is_refused():
    api.revenue_record(sale())
    api.refund_record(RefundFactory(amount=19000))
    with pytest.raises(PayoutsError) as refused:
        api.refund_record(RefundFactory(amount=1000))
    assert refused.value.field == "amount"
    assert "9.00" in refused.value.message


def test_a_completion_for_another_enrollment_of_the_item_is_refused():
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    with pytest.raises(PayoutsConflict) as refused:
        api.enrollment_completion_record(EnrollmentCompletedFactory(enrollment_id="enr_2"))
    assert refused.value.field == "enrollmentId"


def _deliver(name: str, n: int, refund_amount: int | None) -> None:
    """Deliver one fact about order item ``oi_<n>`` (enrollment ``enr_<n>``)."""
    item = {"order_id": f"ord_{n}", "order_item_id": f"oi_{n}"}
    if name == "revenue":
        api.revenue_record(RevenueRecordedFactory(**item))
    elif name == "approval":
        api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id=f"enr_{n}", **item))
    elif name == "completion":
        api.enrollment_completion_record(
            EnrollmentCompletedFactory(enrollment_id=f"enr_{n}", **item)
        )
    elif name == "interaction":
        api.interaction_record(
            InteractionFactory(interaction_id=f"evt_{n}", enrollment_id=f"enr_{n}")
        )
    else:
        api.refund_record(RefundFactory(refund_id=f"ref_{n}", amount=refund_amount, **item))


def item_balances(n: int) -> dict[tuple[str, str], int]:
    totals = (
        JournalEntry.objects.filter(transaction__sale__order_item_id=f"oi_{n}")
        .values("account", "currency")
        .annotate(total=Sum("amount_minor"))
    )
    return {(row["account"], row["currency"]): row["total"] for row in totals if row["total"]}


@pytest.mark.parametrize("refund_amount", [None, 9950, 19900])
def test_every_order_of_the_facts_and_every_repeat_ends_in_the_same_state(refund_amount):
    names = ["revenue", "approval", "completion", "interaction"]
    if refund_amount:
        names.append("refund")
    for name in names:
        _deliver(name, 0, refund_amount)
    expected = (snapshot("oi_0"), item_balances(0))

    for n, order in enumerate(itertools.permutations(names), start=1):
        # One fact per ordering (a different one each time) is delivered a second time at once,
        # and the first fact again at the very end.
        for position, name in enumerate(order):
            _deliver(name, n, refund_amount)
            if position == n % len(order):
                _deliver(name, n, refund_amount)
        _deliver(order[0], n, refund_amount)
        assert (snapshot(f"oi_{n}"), item_balances(n)) == expected, order


def live_total(order_item_id: str = "oi_1") -> int:
    rows = EarnedRevenue.objects.filter(
        sale__order_item_id=order_item_id, status__in=["pending", "held", "confirmed", "paid"]
    )
    return sum(rows.values_list("amount_minor", flat=True))


def test_a_refund_after_a_forfeit_reverses_the_platforms_forfeit_row_once():
    api.revenue_record(sale())
    api.refund_record(RefundFactory(refund_id="ref_a", amount=9950))
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    later = EnrollmentCompletedFactory().completed_at + timedelta(days=61)
    for sale_id in held_sales_due_for_forfeit(now=later):
        sale_forfeit_due(sale_id=sale_id, now=later)
    assert shares()[INSTRUCTOR] == ("forfeited", 5788)
    # Any later fact re-derives the sale: the first refund must not be reversed a second time.
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    assert EarnedRevenue.objects.filter(kind="reversal", refund__refund_id="ref_a").count() == 3
    assert live_total() == 19293 - 9647

    api.refund_record(RefundFactory(refund_id="ref_b", amount=9950))

    assert live_total() == 0
    forfeit = EarnedRevenue.objects.filter(kind="forfeit")
    assert set(forfeit.values_list("status", flat=True)) == {"reversed"}


def _refunded_sale(n: int, *, instructors: int, refunds: int, after: str) -> EnrollmentCompleted:
    """Sale ``oi_<n>``, completed with no interaction, then refunded ``refunds`` times.

    ``after`` is ``partial`` ($10.00 each), ``full`` (the last refund takes what is left of the
    gross) or ``forfeit`` (partial refunds, then the held instructor shares are forfeited).
    """
    item = {"order_id": f"ord_{n}", "order_item_id": f"oi_{n}"}
    instructor_ids = tuple(f"usr_instructor{i}" for i in range(instructors))
    api.revenue_record(RevenueRecordedFactory(instructor_ids=instructor_ids, **item))
    api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id=f"enr_{n}", **item))
    completion = EnrollmentCompletedFactory(enrollment_id=f"enr_{n}", **item)
    api.enrollment_completion_record(completion)
    amounts = [1000] * refunds
    if after == "full":
        amounts[-1] = 19900 - 1000 * (refunds - 1)
    for k, amount in enumerate(amounts):
        api.refund_record(RefundFactory(refund_id=f"ref_{n}_{k}", amount=amount, **item))
    if after == "forfeit":
        sale_forfeit_due(
            sale_id=Sale.objects.get(order_item_id=f"oi_{n}").pk,
            now=completion.completed_at + timedelta(days=61),
        )
    return completion


def _queries_to_deliver_again(completion: EnrollmentCompleted) -> int:
    before = snapshot(completion.order_item_id)
    with CaptureQueriesContext(connection) as captured:
        api.enrollment_completion_record(completion)
    assert snapshot(completion.order_item_id) == before
    return len(captured.captured_queries)


@pytest.mark.parametrize("after", ["partial", "full", "forfeit"])
def test_deriving_a_sale_again_reads_it_in_as_many_queries_whatever_its_shares_and_refunds(after):
    one = _refunded_sale(1, instructors=1, refunds=1, after=after)
    many = _refunded_sale(2, instructors=3, refunds=5, after=after)
    assert EarnedRevenue.objects.filter(sale__order_item_id="oi_2", kind="reversal").exists()

    assert _queries_to_deliver_again(many) == _queries_to_deliver_again(one)
