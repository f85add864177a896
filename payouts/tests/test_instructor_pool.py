"""The instructor pool belongs to the enrollment's instructor, whatever order the facts come in."""

import itertools
from collections import defaultdict

import pytest

from payouts import api
from payouts.models import EarnedRevenue, JournalEntry
from payouts.selectors.ledger import ledger_verify
from payouts.services.journal import UNASSIGNED_POOL
from payouts.tests.factories import (
    EnrollmentApprovedFactory,
    EnrollmentCompletedFactory,
    InstructorAssignedFactory,
    InteractionFactory,
    RevenueRecordedFactory,
)

pytestmark = pytest.mark.django_db

CREATOR = ("content-creator", "usr_creator")
PLATFORM = ("platform", "")
NOBODY = ("instructor", "")
ALICE = ("instructor", "usr_alice")
BOB = ("instructor", "usr_bob")


def holdings(order_item_id: str = "oi_1") -> dict[tuple[str, str], tuple[int, str]]:
    """Who holds what of the item now: per (role, payee), the amount and the states of the rows
    holding it (rows whose money was passed on or forfeited hold nothing any more)."""
    found: dict[tuple[str, str], list] = defaultdict(lambda: [0, set()])
    for row in EarnedRevenue.objects.filter(sale__order_item_id=order_item_id).exclude(
        status__in=[EarnedRevenue.Status.REASSIGNED, EarnedRevenue.Status.FORFEITED]
    ):
        found[(row.role, row.user_id)][0] += row.amount_minor
        found[(row.role, row.user_id)][1].add(row.status)
    return {key: (amount, ",".join(sorted(states))) for key, (amount, states) in found.items()}


def ledger_is_clean():
    report = ledger_verify()
    assert report.ok, report.problems


def unnamed_sale(**overrides):
    """A sale the seller named no instructor for, of a course the LMS listed none for."""
    fields = {"order_id": "ord_1", "order_item_id": "oi_1", "instructor_ids": ()}
    return RevenueRecordedFactory(**{**fields, **overrides})


def test_a_pool_nobody_named_an_instructor_for_waits_without_a_payee_not_with_the_platform():
    api.revenue_record(unnamed_sale())
    api.enrollment_approval_record(EnrollmentApprovedFactory())
    api.enrollment_completion_record(EnrollmentCompletedFactory(instructor_id=""))

    assert holdings() == {
        CREATOR: (7717, "confirmed"),
        NOBODY: (5788, "pending"),
        PLATFORM: (5788, "confirmed"),
    }
    unassigned = JournalEntry.objects.filter(account=UNASSIGNED_POOL)
    assert sum(entry.amount_minor for entry in unassigned) == -5788
    ledger_is_clean()


def test_the_waiting_pool_gets_its_payee_when_the_lms_assigns_the_instructor():
    api.revenue_record(unnamed_sale())
    api.enrollment_completion_record(EnrollmentCompletedFactory(instructor_id=""))

    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id="usr_alice"))

    # Completed, and Alice has not interacted with the learner yet: held for her.
    assert holdings() == {
        CREATOR: (7717, "confirmed"),
        ALICE: (5788, "held"),
        PLATFORM: (5788, "confirmed"),
    }
    api.interaction_record(InteractionFactory(instructor_id="usr_alice"))
    assert holdings()[ALICE] == (5788, "confirmed")
    ledger_is_clean()


def test_the_lms_naming_nobody_gives_a_waiting_pool_to_the_no_instructor_recipient():
    api.revenue_record(unnamed_sale())
    api.enrollment_approval_record(EnrollmentApprovedFactory())

    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id=""))

    assert holdings() == {CREATOR: (7717, "pending"), PLATFORM: (11576, "confirmed")}
    ledger_is_clean()


def test_the_lms_word_supersedes_the_course_instructors_known_at_sale_time():
    api.revenue_record(unnamed_sale(course_instructor_ids=("usr_alice", "usr_bob")))
    assert holdings()[ALICE] == (2894, "pending")
    assert holdings()[BOB] == (2894, "pending")

    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id="usr_bob"))

    assert holdings() == {
        CREATOR: (7717, "pending"),
        BOB: (5788, "pending"),
        PLATFORM: (5788, "pending"),
    }
    ledger_is_clean()


def test_the_highest_revision_wins_whatever_order_the_changes_arrive_in():
    api.revenue_record(unnamed_sale())
    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id="usr_bob", revision=2))
    api.instructor_assignment_record(
        InstructorAssignedFactory(instructor_id="usr_alice", revision=1)
    )

    assert holdings()[BOB] == (5788, "pending")
    assert ALICE not in holdings()


def test_confirmed_instructor_pay_stays_with_whoever_earned_it():
    api.revenue_record(unnamed_sale(course_instructor_ids=("usr_alice",)))
    api.interaction_record(InteractionFactory(instructor_id="usr_alice"))
    api.enrollment_completion_record(EnrollmentCompletedFactory(instructor_id="usr_alice"))
    assert holdings()[ALICE] == (5788, "confirmed")

    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id="usr_bob", revision=2))

    assert holdings()[ALICE] == (5788, "confirmed")
    assert BOB not in holdings()
    ledger_is_clean()


def test_a_pool_passed_on_is_reversed_in_full_by_a_full_refund():
    from payouts.tests.factories import RefundFactory

    api.revenue_record(unnamed_sale())
    api.instructor_assignment_record(InstructorAssignedFactory(instructor_id="usr_alice"))

    api.refund_record(RefundFactory(amount=19900))

    assert {key: states for key, (_amount, states) in holdings().items()} == {
        CREATOR: "reversed",
        ALICE: "reversed",
        PLATFORM: "reversed",
    }
    ledger_is_clean()


FACTS = {
    "revenue": lambda item: api.revenue_record(unnamed_sale(order_item_id=item)),
    "assigned": lambda item: api.instructor_assignment_record(
        InstructorAssignedFactory(order_item_id=item, instructor_id="usr_alice")
    ),
    "approved": lambda item: api.enrollment_approval_record(
        EnrollmentApprovedFactory(order_item_id=item)
    ),
    "completed": lambda item: api.enrollment_completion_record(
        EnrollmentCompletedFactory(order_item_id=item, instructor_id="usr_alice")
    ),
}


def test_every_order_of_the_facts_each_twice_ends_in_the_same_split():
    for number, order in enumerate(itertools.permutations(FACTS)):
        item = f"oi_{number}"
        for name in order:
            FACTS[name](item)
            FACTS[name](item)

        assert holdings(item) == {
            CREATOR: (7717, "confirmed"),
            ALICE: (5788, "held"),
            PLATFORM: (5788, "confirmed"),
        }, order
    ledger_is_clean()
