import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payouts import api
from payouts.data import EnrollmentCompleted
from payouts.errors import PayoutsConflict, PayoutsError
from payouts.models import (
    EarnedRevenue,
    InstructorEngagement,
    InteractionRequirement,
    JournalEntry,
    JournalTransaction,
    Payout,
    RevenueShareConfig,
    Sale,
    SaleRefund,
)
from payouts.selectors.ledger import ledger_verify
from payouts.services.batches import payout_batch_run, payout_complete, payout_return
from payouts.services.interactions import engagement_verify
from payouts.services.sales import (
    engagement_is_eligible,
    held_sales_due_for_forfeit,
    interaction_requirements_for,
    sale_forfeit_due,
    share_config_in_force,
)
from payouts.tests.factories import (
    PAID_AT,
    EnrollmentApprovedFactory,
    EnrollmentCompletedFactory,
    InstructorAssignedFactory,
    InteractionFactory,
    RefundFactory,
    RevenueRecordedFactory,
)
from payouts.tests.helpers import confirmed_sale, payee_ready, shares, snapshot

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


# --- the edges of the split, drawn on purpose -------------------------------------------------
# Every refusal is checked for its code and field as well as its reason: the API hands both to
# the caller, which branches on the code and points at the field.


# Mutants no test can tell from the code, and why:
# Equivalent mutant payouts.services.sales.x_share_amounts__mutmut_28: weights of 2 instead of 1
# for each instructor: equal weights split the pool alike whatever their size.
# Equivalent mutant payouts.services.sales.x_share_amounts__mutmut_32: zip(strict=None) of the
# instructors with ``allocate(pool, [1] * len(instructors))``, which has one part per instructor.
# Equivalent mutant payouts.services.sales.x_share_amounts__mutmut_35: the same zip, no strict.
# Equivalent mutant payouts.services.sales.x_share_amounts__mutmut_36: the same, strict=False.
# Equivalent mutant payouts.services.sales.x__share_reverse_fully__mutmut_42: it counts another
# share's rows for the same refund too, so a correction may get a larger number than the next
# one; the number only tells apart the rows of one origin and refund, and as rows are never
# deleted the count only grows, so it never meets a number in use: the same rows, amounts and
# states are written.
# Equivalent mutant payouts.services.sales.x__refunds_apply__mutmut_55: zip(strict=None) of the
# shares with their targets and previous targets, both allocated over one weight per share.
# Equivalent mutant payouts.services.sales.x__refunds_apply__mutmut_59: the same zip, no strict.
# Equivalent mutant payouts.services.sales.x__refunds_apply__mutmut_60: the same, strict=False.
# Equivalent mutant payouts.services.sales.x_held_sales_due_for_forfeit__mutmut_4:
# ``values_list(flat=True)`` without a field name flattens to the model's first field, the id.
# Equivalent mutant payouts.services.sales.x__states_apply__mutmut_6: it drops the filter on
# share and reversal rows; the only other kind, a forfeit row, is created confirmed and is never
# pending or held, so the rows read are the same.
# Equivalent mutant payouts.services.sales.x__camel__mutmut_22: a net that differs while gross,
# tax and fee match is refused as not reconciling before the facts are compared, so the
# ``net_minor`` entry of the field names (this and the next four) is never read.
# Equivalent mutant payouts.services.sales.x__camel__mutmut_23: as above, net_minor's entry.
# Equivalent mutant payouts.services.sales.x__camel__mutmut_24: as above, net_minor's entry.
# Equivalent mutant payouts.services.sales.x__camel__mutmut_25: as above, net_minor's entry.
# Equivalent mutant payouts.services.sales.x__camel__mutmut_26: as above, net_minor's entry.


def refused(call, *args, error=PayoutsError, **kwargs):
    with pytest.raises(error) as raised:
        call(*args, **kwargs)
    return raised.value.code, raised.value.field, raised.value.message


def rows(order_item_id: str = "oi_1", **filters) -> list[tuple]:
    found = EarnedRevenue.objects.filter(sale__order_item_id=order_item_id, **filters)
    return sorted((r.role, r.user_id, r.kind, r.status, r.amount_minor) for r in found)


def test_a_one_cent_sale_fully_refunded_leaves_nothing_live():
    api.revenue_record(sale(gross_amount=1, platform_fee=0))
    assert shares() == {CREATOR: ("pending", 1), INSTRUCTOR: ("pending", 0),
                        PLATFORM: ("pending", 0)}  # fmt: skip

    api.refund_record(RefundFactory(amount=1))

    assert live_total() == 0
    assert {status for status, _ in shares().values()} == {"reversed"}
    assert rows(kind="reversal") == []


def test_a_one_cent_refund_of_the_199_dollar_sale_reverses_one_cent_of_one_share():
    # 0.01 of 199.00 gross is 0.0097 of the 192.93 net, which rounds to one cent: the creator's,
    # the share with the largest remainder. The other shares get no row, not a row of zero.
    api.revenue_record(sale())
    api.refund_record(RefundFactory(amount=1))

    assert rows(kind="reversal") == [("content-creator", "usr_creator", "reversal", "pending", -1)]
    # A refund's first row against a share is its correction number 0; only a further row that
    # puts the same share right for the same refund again counts up.
    assert EarnedRevenue.objects.get(kind="reversal").correction == 0
    assert live_total() == 19293 - 1
    assert {status for status, _ in shares().values()} == {"pending"}


def test_refunds_reverse_the_net_cumulatively_so_the_rounding_never_drifts():
    api.revenue_record(sale(instructor_ids=()))
    for n in range(3):
        api.refund_record(RefundFactory(refund_id=f"ref_{n}", amount=1))
    # 3 cents of 199.00 gross is 2.9085 cents of net: 3 in all, never 1 + 1 + 1 rounded alone.
    assert live_total() == 19293 - 3
    assert sum(amount for *_, amount in rows(kind="reversal")) == -3


def test_the_last_refund_takes_the_item_to_zero_whatever_the_earlier_ones_rounded_to():
    for n in (1, 2):
        item = {"order_id": f"ord_{n}", "order_item_id": f"oi_{n}"}
        api.revenue_record(RevenueRecordedFactory(**item))
        api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id=f"enr_{n}", **item))
    api.refund_record(RefundFactory(refund_id="ref_a", amount=1))
    api.refund_record(RefundFactory(refund_id="ref_b", amount=19899))
    api.refund_record(
        RefundFactory(refund_id="ref_c", amount=19900, order_id="ord_2", order_item_id="oi_2")
    )

    assert live_total("oi_1") == 0
    # The one-cent reversal and the shares themselves were reversed outright, not netted, and the
    # books end where a single full refund leaves them.
    assert {status for *_, status, _ in rows("oi_1")} == {"reversed"}
    assert item_balances(1) == item_balances(2)


def test_a_refund_before_the_revenue_is_applied_when_the_revenue_arrives():
    api.refund_record(RefundFactory(amount=9950))
    assert not EarnedRevenue.objects.exists()

    api.revenue_record(sale())

    assert live_total() == 19293 - 9647


def test_amounts_that_do_not_reconcile_are_refused_with_the_sum_spelled_out():
    assert refused(api.revenue_record, sale(tax_amount=100, net_amount=19231)) == (
        "invalid",
        "netAmount",
        "does not reconcile: grossAmount 199.00 - taxAmount 1.00 - platformFee 6.07 is 191.93, "
        "not 192.31",
    )
    assert not Sale.objects.exists()


def test_the_instructors_must_be_a_list():
    assert refused(api.revenue_record, sale(instructor_ids="usr_instructor")) == (
        "invalid", "instructorIds", "must be a list of user ids",
    )  # fmt: skip
    api.revenue_record(sale(instructor_ids=["usr_b", " usr_a", "usr_b"]))
    assert Sale.objects.get().instructor_ids == ["usr_a", "usr_b"]


@pytest.mark.parametrize(
    ("overrides", "field", "fact"),
    [({"gross_amount": 20000}, "grossAmount", "gross_minor"),
     ({"tax_amount": 7, "platform_fee": 600}, "taxAmount", "tax_minor"),
     ({"discount_amount": 100}, "discountAmount", "discount_minor"),
     ({"platform_fee": 600}, "platformFee", "processor_fee_minor"),
     ({"course_id": "crs_other"}, "courseId", "course_id"),
     ({"content_creator_id": "usr_other"}, "contentCreatorId", "content_creator_id"),
     ({"instructor_ids": ()}, "instructorIds", "instructor_ids"),
     ({"currency": "EUR"}, "currency", "currency"),
     ({"paid_at": PAID_AT + timedelta(seconds=1)}, "paidAt", "paid_at")],
)  # fmt: skip
def test_recording_the_item_again_with_another_fact_names_that_fact(overrides, field, fact):
    api.revenue_record(sale())

    assert refused(api.revenue_record, sale(**overrides), error=PayoutsConflict) == (
        "conflict", field, f"order item oi_1 was already recorded with a different {fact}",
    )  # fmt: skip
    assert shares()[CREATOR] == ("pending", 7717)


def test_a_refund_is_refused_when_it_is_zero_too_much_or_in_another_currency():
    api.revenue_record(sale())
    api.refund_record(RefundFactory(refund_id="ref_a", amount=19000))

    assert refused(api.refund_record, RefundFactory(amount=0)) == (
        "invalid", "amount", "must be more than zero",
    )  # fmt: skip
    assert refused(api.refund_record, RefundFactory(amount=901)) == (
        "invalid", "amount", "exceeds what is left to refund of the item (9.00 USD)",
    )  # fmt: skip
    assert refused(api.refund_record, RefundFactory(amount=1, currency="EUR")) == (
        "invalid", "currency", "must be USD, the sale's currency",
    )  # fmt: skip
    assert SaleRefund.objects.count() == 1

    # Exactly what is left is accepted.
    api.refund_record(RefundFactory(refund_id="ref_b", amount=900))
    assert live_total() == 0


def test_a_refund_id_delivered_again_is_applied_once_and_refused_if_it_changed():
    api.revenue_record(sale())
    first = RefundFactory(refund_id="ref_a", amount=100)
    api.refund_record(first)
    api.refund_record(first)
    assert SaleRefund.objects.count() == 1

    for changed in ({"amount": 101}, {"currency": "EUR"}, {"order_item_id": "oi_2"}):
        assert refused(
            api.refund_record, RefundFactory(refund_id="ref_a", **{"amount": 100, **changed}),
            error=PayoutsConflict,
        ) == ("conflict", "refundId", "refund ref_a was already recorded differently")  # fmt: skip
    assert SaleRefund.objects.count() == 1


def test_an_item_belongs_to_one_enrollment_and_a_grade_is_a_whole_number():
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    other = EnrollmentCompletedFactory(enrollment_id="enr_2")
    assert refused(api.enrollment_completion_record, other, error=PayoutsConflict) == (
        "conflict", "enrollmentId", "order item oi_1 belongs to enrollment enr_1, not enr_2",
    )  # fmt: skip
    for grade in (92.5, True, "92"):
        completion = EnrollmentCompletedFactory(grade=grade)
        assert refused(api.enrollment_completion_record, completion) == (
            "invalid", "grade", "must be a whole number",
        )  # fmt: skip
    api.enrollment_completion_record(EnrollmentCompletedFactory(grade=None))
    assert Sale.objects.get().grade is None


def test_the_first_approval_and_completion_stand_when_delivered_again():
    api.revenue_record(sale())
    first = EnrollmentApprovedFactory()
    api.enrollment_approval_record(first)
    api.enrollment_approval_record(EnrollmentApprovedFactory(approved_at=first.approved_at
                                                             + timedelta(days=1)))  # fmt: skip
    completion = EnrollmentCompletedFactory(instructor_id=" usr_instructor ")
    api.enrollment_completion_record(completion)
    api.enrollment_completion_record(EnrollmentCompletedFactory(
        completed_at=completion.completed_at + timedelta(days=1), user_id="usr_other", grade=10,
        instructor_id="usr_other",
    ))  # fmt: skip

    recorded = Sale.objects.get()
    assert recorded.approved_at == first.approved_at
    assert (recorded.completed_at, recorded.learner_id, recorded.grade) == (
        completion.completed_at, "usr_learner", 92,
    )  # fmt: skip
    assert recorded.completion_instructor_id == "usr_instructor"
    assert recorded.enrollment_id == "enr_1"


def test_shares_wait_out_the_hold_period_from_payment():
    api.revenue_record(sale())
    holds = set(EarnedRevenue.objects.values_list("hold_until", flat=True))
    assert holds == {PAID_AT + timedelta(days=30)}
    assert Sale.objects.get().revenue_recorded_at is not None


def test_recording_a_sale_posts_clearing_fee_and_every_share_once():
    api.revenue_record(sale(gross_amount=21890, tax_amount=1990))
    api.revenue_record(sale(gross_amount=21890, tax_amount=1990))

    balances = item_balances(1)
    assert sum(balances.values()) == 0
    # Clearing takes the gross less tax, the processor fee is paid from it, the shares are owed.
    assert sorted(balances.values()) == sorted([21890 - 1990, -607, -7717, -5788, -5788])
    assert JournalEntry.objects.values("transaction").distinct().count() == 1


def test_the_config_in_force_is_the_courses_latest_else_the_platforms_latest():
    at = PAID_AT
    platform = RevenueShareConfig.objects.create(
        course_id="", content_creator_share_bp=5000, instructor_pool_share_bp=2500,
        platform_share_bp=2500, effective_from=datetime(2010, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    RevenueShareConfig.objects.create(
        course_id="", content_creator_share_bp=6000, instructor_pool_share_bp=2000,
        platform_share_bp=2000, effective_from=at + timedelta(seconds=1),
    )  # fmt: skip
    course = RevenueShareConfig.objects.create(
        course_id="crs_course", content_creator_share_bp=7000, instructor_pool_share_bp=1500,
        platform_share_bp=1500, effective_from=at,
    )  # fmt: skip

    assert share_config_in_force(course_id="crs_course", at=at) == course
    assert share_config_in_force(course_id="crs_course", at=at - timedelta(seconds=1)) == platform
    assert share_config_in_force(course_id="crs_other", at=at) == platform

    api.revenue_record(sale(course_id="crs_other"))
    recorded = Sale.objects.get()
    assert recorded.share_config == platform
    assert (recorded.content_creator_share_bp, recorded.instructor_pool_share_bp,
            recorded.platform_share_bp) == (5000, 2500, 2500)  # fmt: skip


def test_with_no_config_at_all_the_specs_split_applies():
    RevenueShareConfig.objects.all().delete()
    default = share_config_in_force(course_id="crs_course", at=PAID_AT)
    assert default.pk is None
    assert (default.course_id, default.content_creator_share_bp, default.instructor_pool_share_bp,
            default.platform_share_bp, default.no_instructor_recipient) == (
        "", 4000, 3000, 3000, "platform",
    )  # fmt: skip

    api.revenue_record(sale())
    recorded = Sale.objects.get()
    assert recorded.share_config is None
    assert recorded.no_instructor_recipient == "platform"
    assert shares()[PLATFORM] == ("pending", 5788)


def test_held_revenue_is_due_for_forfeit_from_the_very_end_of_the_window():
    api.revenue_record(sale())
    completion = EnrollmentCompletedFactory()
    api.enrollment_completion_record(completion)
    end = completion.completed_at + timedelta(days=60)
    sale_id = Sale.objects.get().pk

    assert held_sales_due_for_forfeit(now=end - timedelta(seconds=1)) == []
    assert held_sales_due_for_forfeit(now=end) == [sale_id]

    sale_forfeit_due(sale_id=sale_id, now=end - timedelta(seconds=1))
    assert shares()[INSTRUCTOR] == ("held", 5788)
    sale_forfeit_due(sale_id=sale_id, now=end)
    assert shares()[INSTRUCTOR] == ("forfeited", 5788)
    assert held_sales_due_for_forfeit(now=end) == []


def test_an_instructor_who_completed_without_interaction_is_listed_for_staff_to_verify():
    api.revenue_record(sale())
    api.enrollment_completion_record(EnrollmentCompletedFactory())
    api.enrollment_completion_record(EnrollmentCompletedFactory())

    engagement = InstructorEngagement.objects.get()
    assert (engagement.enrollment_id, engagement.instructor_id) == ("enr_1", "usr_instructor")


def requirement(**minimums) -> InteractionRequirement:
    return InteractionRequirement(**{"discussion_replies": 0, "assignments_graded": 0,
                                     "live_session_minutes": 0, **minimums})  # fmt: skip


@pytest.mark.parametrize(
    ("engagement", "rule", "eligible"),
    [(None, requirement(), True),
     (None, requirement(discussion_replies=1), False),
     (InstructorEngagement(discussion_replies=1), requirement(discussion_replies=1), True),
     (InstructorEngagement(discussion_replies=0), requirement(discussion_replies=1), False),
     (InstructorEngagement(assignments_graded=2), requirement(assignments_graded=3,
                                                             live_session_minutes=0), False),
     (InstructorEngagement(assignments_graded=3), requirement(assignments_graded=3), True),
     (InstructorEngagement(live_session_minutes=30, discussion_replies=5),
      requirement(live_session_minutes=30, discussion_replies=0), True),
     (InstructorEngagement(discussion_replies=5), requirement(live_session_minutes=30), False),
     (InstructorEngagement(manually_verified=True), requirement(discussion_replies=9), True),
     (InstructorEngagement(manually_verified=True), requirement(manual_verification_only=True),
      True),
     (InstructorEngagement(discussion_replies=9), requirement(manual_verification_only=True),
      False),
     (None, requirement(manual_verification_only=True), False)],
)  # fmt: skip
def test_any_one_minimum_reached_or_a_manual_verification_makes_an_instructor_eligible(
    engagement, rule, eligible
):
    assert engagement_is_eligible(engagement, rule) is eligible


def test_each_course_reads_its_own_requirement_else_the_platform_default():
    InteractionRequirement.objects.filter(course_id="").delete()
    own = InteractionRequirement.objects.create(course_id="crs_a", discussion_replies=4)
    fallback = interaction_requirements_for(["crs_a", "crs_b"])
    assert fallback["crs_a"] == own
    assert fallback["crs_b"].pk is None and fallback["crs_b"].discussion_replies == 1

    default = InteractionRequirement.objects.create(course_id="", discussion_replies=2)
    assert interaction_requirements_for(["crs_a", "crs_b"]) == {"crs_a": own, "crs_b": default}


# --- the instructor pool following the LMS's word ---------------------------------------------


def test_an_untouched_pool_share_passes_to_the_instructor_the_lms_names():
    api.revenue_record(sale(instructor_ids=(), course_instructor_ids=("usr_alice",)))
    assert shares()[("instructor", "usr_alice")] == ("pending", 5788)

    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id="usr_bob"))

    assert shares()[("instructor", "usr_alice")] == ("reassigned", 5788)
    assert rows(kind="reassignment") == [("instructor", "usr_bob", "reassignment", "pending", 5788)]
    assert live_total() == 19293
    assert ledger_verify().ok


def test_a_pool_share_a_refund_already_touched_stays_with_its_instructor():
    # Part of Alice's share was taken back by a refund: moving the share would leave that
    # reversal hanging on a row she no longer holds, so her rows stay where they are.
    api.revenue_record(sale(instructor_ids=(), course_instructor_ids=("usr_alice",)))
    api.refund_record(RefundFactory(amount=1000))

    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id="usr_bob"))

    assert shares()[("instructor", "usr_alice")] == ("pending", 5788)
    assert rows(kind="reassignment") == []
    assert ledger_verify().ok


def test_a_pool_nobody_named_waits_without_a_payee_until_the_completion_names_one():
    api.revenue_record(sale(instructor_ids=()))
    assert shares()[("instructor", "")] == ("pending", 5788)  # unassigned, not the platform's

    api.enrollment_completion_record(EnrollmentCompletedFactory(instructor_id="usr_carol"))

    assert rows(kind="reassignment") == [("instructor", "usr_carol", "reassignment", "held", 5788)]
    assert ledger_verify().ok


def test_an_order_item_id_used_again_in_another_order_is_another_sale():
    # The order item's id is the outside system's, unique only within its order.
    api.revenue_record(sale())
    api.revenue_record(sale(order_id="ord_2"))

    api.refund_record(RefundFactory(order_id="ord_2", amount=19900))

    assert live_total() == 19293  # both sales of "oi_1": the first untouched, the second none
    assert Sale.objects.filter(order_item_id="oi_1").count() == 2
    assert {s.order_id for s in Sale.objects.filter(refunds__isnull=False)} == {"ord_2"}


# --- refunds of money already on its way out -------------------------------------------------


@pytest.fixture
def paid_out(django_capture_on_commit_callbacks):
    """Item ``oi_1``: $100.00 sold for creator ``usr_w`` (40.00, paid by wire) and the platform."""

    def pay(*, complete: bool = True) -> None:
        payee_ready("usr_w", method="wire")
        # The LMS said nobody teaches it, so the pool is the platform's from the start.
        api.instructor_assignment_record(InstructorAssignedFactory(instructor_id=""))
        confirmed_sale(1, "usr_w")
        with django_capture_on_commit_callbacks(execute=True):
            batch = payout_batch_run()
        if complete:
            payout_complete(payout_id=Payout.objects.get(batch=batch).pk, reference="wire 1")

    return pay


CREATOR_W = ("content-creator", "usr_w")


def test_a_refund_of_paid_revenue_takes_it_back_from_the_next_payout(paid_out):
    paid_out()
    refunded_at = timezone.now()

    api.refund_record(RefundFactory(amount=2500))

    assert shares() == {CREATOR_W: ("paid", 4000), PLATFORM: ("confirmed", 6000)}
    reversal = EarnedRevenue.objects.get(kind="reversal", role="content-creator")
    # Netted from the very next payout: confirmed now, held no longer.
    assert (reversal.status, reversal.amount_minor) == ("confirmed", -1000)
    assert reversal.confirmed_at >= refunded_at and reversal.hold_until >= refunded_at
    assert rows(kind="reversal", role="platform") == [
        ("platform", "", "reversal", "confirmed", -1500)
    ]
    assert live_total() == 10000 - 2500


def test_a_full_refund_of_paid_revenue_leaves_one_negative_row_for_what_was_paid(paid_out):
    paid_out()
    api.refund_record(RefundFactory(refund_id="ref_a", amount=2500))
    api.refund_record(RefundFactory(refund_id="ref_b", amount=7500))

    assert live_total() == 0
    assert shares() == {CREATOR_W: ("paid", 4000), PLATFORM: ("reversed", 6000)}
    # The partial refund's row still takes back its 10.00 of paid money; the full refund adds
    # one row for the other 30.00. The platform's unpaid share and its reversal are undone.
    assert rows(kind="reversal") == [
        ("content-creator", "usr_w", "reversal", "confirmed", -3000),
        ("content-creator", "usr_w", "reversal", "confirmed", -1000),
        ("platform", "", "reversal", "reversed", -1500),
    ]


def test_a_full_refund_in_one_go_after_payout_takes_back_exactly_what_was_paid(paid_out):
    paid_out()
    api.refund_record(RefundFactory(amount=10000))
    api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id="enr_1"))

    assert rows(kind="reversal") == [("content-creator", "usr_w", "reversal", "confirmed", -4000)]
    assert live_total() == 0


def test_a_full_refund_after_both_shares_were_paid_takes_each_back_with_one_row(
    django_capture_on_commit_callbacks,
):
    # A full refund after both shares were paid takes each back with one row, its share's first
    # for that refund: correction number 0 for both, whatever the other share wrote before it.
    paid_at = timezone.now() - timedelta(days=40)
    for payee in ("usr_creator", "usr_instructor"):
        payee_ready(payee, method="wire")
    api.revenue_record(sale(paid_at=paid_at))
    api.enrollment_approval_record(EnrollmentApprovedFactory(approved_at=paid_at))
    api.interaction_record(InteractionFactory(occurred_at=paid_at + timedelta(hours=12)))
    api.enrollment_completion_record(
        EnrollmentCompletedFactory(completed_at=paid_at + timedelta(days=1))
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = payout_batch_run()
    for payout in Payout.objects.filter(batch=batch):
        payout_complete(payout_id=payout.pk, reference=f"wire {payout.pk}")

    api.refund_record(RefundFactory(refund_id="ref_full", amount=19900))

    corrections = EarnedRevenue.objects.filter(kind="reversal", refund__refund_id="ref_full")
    assert sorted((r.role, r.amount_minor, r.correction) for r in corrections) == [
        ("content-creator", -7717, 0),
        ("instructor", -5788, 0),
    ]
    assert live_total() == 0
    assert ledger_verify().ok


def test_a_full_refund_gives_back_a_deduction_already_paid_when_the_share_itself_came_back(
    paid_out, django_capture_on_commit_callbacks
):
    # The share went out in a payout; a partial refund's -10.00 was netted from the next one,
    # which was paid; then the bank returned the first payout, so the share is unpaid again.
    paid_out()
    first = Payout.objects.get()
    api.refund_record(RefundFactory(refund_id="ref_a", amount=2500))
    confirmed_sale(2, "usr_w")
    with django_capture_on_commit_callbacks(execute=True):
        second = Payout.objects.get(batch=payout_batch_run())
    assert second.amount_minor == 4000 - 1000
    payout_complete(payout_id=second.pk, reference="wire 2")
    payout_return(payout_id=first.pk, reason="R03 no account")

    api.refund_record(RefundFactory(refund_id="ref_b", amount=7500))

    # The share is reversed outright; the -10.00 the payee already gave up stays, and a +10.00
    # row for the full refund gives it back in the next payout, so the payee ends with nothing.
    assert shares()[CREATOR_W] == ("reversed", 4000)
    assert rows(kind="reversal", role="content-creator") == [
        ("content-creator", "usr_w", "reversal", "confirmed", 1000),
        ("content-creator", "usr_w", "reversal", "paid", -1000),
    ]
    given_back = EarnedRevenue.objects.get(kind="reversal", amount_minor=1000)
    assert given_back.origin.amount_minor == -1000
    assert given_back.refund.refund_id == "ref_b" and given_back.payout_id is None
    assert live_total() == 0
    assert ledger_verify().ok
    # Derived again (any later fact does it), the sale stays as it is: no second +10.00 row.
    before = snapshot()
    api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id="enr_1"))
    assert snapshot() == before


@pytest.fixture
def deductions_given_back_then_one_returned(paid_out, django_capture_on_commit_callbacks):
    """Item ``oi_1``: the creator's 40.00 paid, then two partial refunds' -10.00 and -5.00 each
    netted from a later payout; the first payout comes back, a full refund gives the two
    deductions back, and then the payout that held the -5.00 comes back too."""

    def next_payout(n):
        confirmed_sale(n, "usr_w")
        with django_capture_on_commit_callbacks(execute=True):
            payout = Payout.objects.get(batch=payout_batch_run())
        payout_complete(payout_id=payout.pk, reference=f"wire {n}")
        return payout

    def play():
        paid_out()
        first = Payout.objects.get()
        api.refund_record(RefundFactory(refund_id="ref_a", amount=2500))  # -10.00, netted next
        next_payout(2)
        api.refund_record(RefundFactory(refund_id="ref_b", amount=1250))  # -5.00, netted next
        third = next_payout(3)
        payout_return(payout_id=first.pk, reason="R03 no account")
        api.refund_record(RefundFactory(refund_id="ref_c", amount=6250))
        assert live_total() == 0
        payout_return(payout_id=third.pk, reason="R03 no account")
        api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id="enr_1"))

    return play


def test_deductions_given_back_follow_a_later_return_of_one_of_them(
    deductions_given_back_then_one_returned, django_capture_on_commit_callbacks
):
    deductions_given_back_then_one_returned()

    # The -5.00 came back unpaid and is reversed; the full refund's +15.00 stays as written, and
    # a second row for the same refund takes back the 5.00 of it that is no longer owed.
    assert live_total() == 0
    assert ledger_verify().ok
    assert rows(kind="reversal", role="content-creator") == [
        ("content-creator", "usr_w", "reversal", "confirmed", -500),
        ("content-creator", "usr_w", "reversal", "confirmed", 1500),
        ("content-creator", "usr_w", "reversal", "paid", -1000),
        ("content-creator", "usr_w", "reversal", "reversed", -500),
    ]
    given_back = EarnedRevenue.objects.get(kind="reversal", amount_minor=1500)
    correction = EarnedRevenue.objects.get(kind="reversal", status="confirmed", amount_minor=-500)
    assert (correction.origin_id, correction.refund_id) == (
        given_back.origin_id, given_back.refund_id,
    )  # fmt: skip
    assert (given_back.correction, correction.correction) == (0, 1)
    # The payee gave up only the -10.00 in the end: the next payout gives exactly that back.
    payee_ready("usr_w", method="wire")
    confirmed_sale(4, "usr_w")
    with django_capture_on_commit_callbacks(execute=True):
        fourth = Payout.objects.get(batch=payout_batch_run())
    # The third payout's 40.00 of ``oi_3`` goes out again, with ``oi_4``'s 40.00 and the 10.00.
    assert fourth.amount_minor == 4000 + 4000 + 1000
    payout_complete(payout_id=fourth.pk, reference="wire 4")
    paid = EarnedRevenue.objects.filter(sale__order_item_id="oi_1", status="paid")
    assert sum(paid.values_list("amount_minor", flat=True)) == 0
    assert ledger_verify().ok


def test_the_same_events_again_write_nothing_after_a_correction(
    deductions_given_back_then_one_returned,
):
    deductions_given_back_then_one_returned()
    before = (snapshot(), JournalTransaction.objects.count(), JournalEntry.objects.count())

    for refund_id, amount in (("ref_a", 2500), ("ref_b", 1250), ("ref_c", 6250)):
        api.refund_record(RefundFactory(refund_id=refund_id, amount=amount))
    for payout in Payout.objects.filter(status="failed"):
        payout_return(payout_id=payout.pk, reason="R03 no account")
    api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id="enr_1"))
    api.enrollment_approval_record(EnrollmentApprovedFactory(enrollment_id="enr_1"))

    after = (snapshot(), JournalTransaction.objects.count(), JournalEntry.objects.count())
    assert after == before
    assert live_total() == 0


def test_a_last_refund_that_reverses_nothing_more_of_a_paid_share_makes_no_row_of_zero(paid_out):
    paid_out()
    # 99.99 of the 100.00 already reverses all 40.00 of the creator's share (39.996, rounded by
    # largest remainder); the last cent reverses the rest of the platform's and nothing of his.
    api.refund_record(RefundFactory(refund_id="ref_a", amount=9999))
    api.refund_record(RefundFactory(refund_id="ref_b", amount=1))

    assert rows(kind="reversal", role="content-creator") == [
        ("content-creator", "usr_w", "reversal", "confirmed", -4000)
    ]
    assert not EarnedRevenue.objects.filter(amount_minor=0, kind="reversal").exists()
    assert live_total() == 0


def test_revenue_in_a_payout_not_yet_paid_counts_as_settled(paid_out):
    paid_out(complete=False)
    in_flight = EarnedRevenue.objects.get(kind="share", role="content-creator")
    assert in_flight.status == "confirmed" and in_flight.payout_id is not None

    api.refund_record(RefundFactory(amount=10000))

    assert shares()[CREATOR_W] == ("confirmed", 4000)
    assert rows(kind="reversal") == [("content-creator", "usr_w", "reversal", "confirmed", -4000)]
    assert live_total() == 0


def test_completion_alone_confirms_the_platform_share_too():
    api.revenue_record(sale())
    api.enrollment_completion_record(EnrollmentCompletedFactory())

    assert shares()[PLATFORM] == ("confirmed", 5788)


def test_a_completion_reported_after_the_window_forfeits_the_pending_share_at_once():
    api.revenue_record(sale())
    late = EnrollmentCompletedFactory(completed_at=timezone.now() - timedelta(days=61))
    api.enrollment_completion_record(late)

    assert shares()[INSTRUCTOR] == ("forfeited", 5788)
    forfeit = EarnedRevenue.objects.get(kind="forfeit")
    assert (forfeit.role, forfeit.user_id, forfeit.status, forfeit.amount_minor) == (
        "platform", "", "confirmed", 5788,
    )  # fmt: skip


def test_a_forfeit_row_keeps_the_shares_hold_and_is_confirmed_when_it_is_made():
    api.revenue_record(sale())
    completion = EnrollmentCompletedFactory()
    api.enrollment_completion_record(completion)
    end = completion.completed_at + timedelta(days=60)
    sale_forfeit_due(sale_id=Sale.objects.get().pk, now=end)

    share = EarnedRevenue.objects.get(kind="share", role="instructor")
    forfeit = EarnedRevenue.objects.get(kind="forfeit")
    assert (forfeit.origin_id, forfeit.user_id, forfeit.currency) == (share.pk, "", "USD")
    assert (forfeit.hold_until, forfeit.confirmed_at) == (share.hold_until, end)
    # The move is journalled against the sale, so that the sale's books show where it went.
    moved = JournalTransaction.objects.get(key=f"{share.public_id}:forfeited")
    assert moved.sale_id == share.sale_id


# Equivalent mutant payouts.services.sales.x__refunds_apply__mutmut_71: ``break`` for
# ``continue`` past a live, unpaid share in a full refund skips the later shares' rows for that
# refund, but ``_share_reverse_fully`` then writes the very same row (same holder, refund, amount
# and correction 0): earlier refunds' rows were written when each was recorded, and a share can
# only be paid after its sale, so no paid share ever meets an unapplied earlier refund.
# Equivalent mutant payouts.services.sales.x__forfeit_move__mutmut_14: it leaves out
# ``user_id=""`` for the platform's forfeit row, and a CharField without a default is "" anyway.


def test_a_reversal_of_unpaid_revenue_mirrors_its_shares_hold_and_state():
    api.revenue_record(sale())
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    api.refund_record(RefundFactory(amount=9950))

    by_role = {row.role: row for row in EarnedRevenue.objects.filter(kind="reversal")}
    share_by_role = {row.role: row for row in EarnedRevenue.objects.filter(kind="share")}
    for role, reversal in by_role.items():
        share = share_by_role[role]
        assert (reversal.origin_id, reversal.user_id, reversal.currency, reversal.hold_until) == (
            share.pk, share.user_id, "USD", share.hold_until,
        )  # fmt: skip
        assert reversal.refund.amount_minor == 9950
    assert by_role["content-creator"].confirmed_at is None
    assert by_role["platform"].confirmed_at is not None


def test_an_interaction_in_another_enrollment_does_not_make_an_instructor_eligible_here():
    api.revenue_record(sale())
    api.interaction_record(InteractionFactory(enrollment_id="enr_other"))
    api.enrollment_completion_record(EnrollmentCompletedFactory())

    assert shares()[INSTRUCTOR] == ("held", 5788)


def test_a_refund_after_two_forfeits_reverses_each_instructors_own_forfeit_row():
    api.revenue_record(sale(instructor_ids=("usr_a", "usr_b")))
    completion = EnrollmentCompletedFactory()
    api.enrollment_completion_record(completion)
    sale_forfeit_due(
        sale_id=Sale.objects.get().pk, now=completion.completed_at + timedelta(days=60)
    )

    api.refund_record(RefundFactory(amount=9950))

    forfeit_of = {
        row.origin.user_id: row.pk for row in EarnedRevenue.objects.filter(kind="forfeit")
    }
    reversed_from = {
        row.origin.origin.user_id: row.origin_id
        for row in EarnedRevenue.objects.filter(kind="reversal", origin__kind="forfeit")
    }
    assert set(forfeit_of) == {"usr_a", "usr_b"}
    assert reversed_from == forfeit_of
