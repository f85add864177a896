"""Property tests: random sequences of facts and batches leave every minor unit accounted for."""

from datetime import timedelta
from fractions import Fraction

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cadence.kernel.money import MAXIMUM_MINOR_UNITS, round_half_away
from payouts import api
from payouts.errors import PayoutsError
from payouts.models import EarnedRevenue, Payout, Sale
from payouts.selectors.ledger import ledger_verify
from payouts.services import batches, sales
from payouts.services.sales import share_amounts
from payouts.tests.factories import (
    EnrollmentApprovedFactory,
    EnrollmentCompletedFactory,
    InteractionFactory,
    RefundFactory,
    RevenueRecordedFactory,
)
from payouts.tests.helpers import payee_ready

PAYEES = ["usr_c1", "usr_c2", "usr_i1", "usr_i2"]
LIVE = [EarnedRevenue.Status.PENDING, EarnedRevenue.Status.HELD, EarnedRevenue.Status.CONFIRMED,
        EarnedRevenue.Status.PAID]  # fmt: skip


@given(
    net=st.one_of(
        st.sampled_from([0, 1, 2, MAXIMUM_MINOR_UNITS]), st.integers(min_value=0, max_value=10**9)
    ),
    shares=st.integers(min_value=0, max_value=10_000).flatmap(
        lambda a: st.integers(min_value=0, max_value=10_000 - a).map(
            lambda b: (a, b, 10_000 - a - b)
        )
    ),
    instructors=st.integers(min_value=0, max_value=5),
)
def test_a_split_always_adds_up_to_the_net_and_each_share_is_within_a_unit(
    net, shares, instructors
):
    sale = Sale(
        net_minor=net, content_creator_share_bp=shares[0], instructor_pool_share_bp=shares[1],
        platform_share_bp=shares[2], instructor_ids=[f"usr_{i}" for i in range(instructors)],
        no_instructor_recipient="platform", content_creator_id="usr_c",
    )  # fmt: skip
    lines = share_amounts(sale)
    assert sum(minor for _, _, minor in lines) == net
    creator = next(minor for role, _, minor in lines if role == "content-creator")
    assert abs(Fraction(creator) - Fraction(net * shares[0], 10_000)) < 1


class PayoutsMachine(RuleBasedStateMachine):
    """Sales, approvals, completions, interactions, refunds, forfeits, batches and payouts the
    bank returns, in any order."""

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = timezone.now()
        self.sales: list[int] = []

    @initialize()
    def payees(self):
        for user in PAYEES:
            payee_ready(user)

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _item(self, n):
        return {"order_id": f"ord_{n}", "order_item_id": f"oi_{n}"}

    @rule(
        # One minor unit and the documented maximum on purpose, besides anything between.
        gross=st.one_of(
            st.sampled_from([1, 2, MAXIMUM_MINOR_UNITS]),
            st.integers(min_value=1, max_value=200_000),
        ),
        # 100 %: the processor's fee takes the whole net.
        fee_pct=st.one_of(st.just(100), st.integers(min_value=0, max_value=10)),
        tax_pct=st.integers(min_value=0, max_value=20),
        creator=st.sampled_from(PAYEES[:2]),
        instructors=st.sets(st.sampled_from(PAYEES[2:]), max_size=2),
    )
    def sale(self, gross, fee_pct, tax_pct, creator, instructors):
        n = len(self.sales)
        fee, tax = gross * fee_pct // 100, gross * tax_pct // 100
        api.revenue_record(RevenueRecordedFactory(
            gross_amount=gross, tax_amount=tax, platform_fee=fee, paid_at=self.now,
            content_creator_id=creator, instructor_ids=tuple(sorted(instructors)), **self._item(n),
        ))  # fmt: skip
        self.sales.append(n)

    def _some(self, data):
        return data.draw(st.integers(min_value=0, max_value=len(self.sales)))

    @rule(data=st.data())
    def approve(self, data):
        n = self._some(data)
        api.enrollment_approval_record(
            EnrollmentApprovedFactory(
                enrollment_id=f"enr_{n}", approved_at=self.now, **self._item(n)
            )
        )

    @rule(data=st.data())
    def complete(self, data):
        n = self._some(data)
        api.enrollment_completion_record(
            EnrollmentCompletedFactory(
                enrollment_id=f"enr_{n}", completed_at=self.now, **self._item(n)
            )
        )

    @rule(data=st.data(), instructor=st.sampled_from(PAYEES[2:]))
    def interact(self, data, instructor):
        n = self._some(data)
        api.interaction_record(
            InteractionFactory(
                enrollment_id=f"enr_{n}", instructor_id=instructor, occurred_at=self.now
            )
        )

    # 0 stands for one minor unit, the least refund there is.
    @rule(data=st.data(), fraction=st.sampled_from([0, Fraction(1, 3), Fraction(1, 2), 1]))
    def refund(self, data, fraction):
        n = self._some(data)
        sale = Sale.objects.filter(order_item_id=f"oi_{n}").first()
        gross = sale.gross_minor if sale and sale.is_recorded else 1000
        try:
            api.refund_record(RefundFactory(amount=max(1, int(gross * fraction)),
                                            refunded_at=self.now, **self._item(n)))  # fmt: skip
        except PayoutsError as error:
            assert error.field == "amount"  # more than is left to refund: refused, nothing kept

    @rule(days=st.integers(min_value=1, max_value=70))
    def time_passes(self, days):
        self.now += timedelta(days=days)
        for sale_id in sales.held_sales_due_for_forfeit(now=self.now):
            sales.sale_forfeit_due(sale_id=sale_id, now=self.now)

    @rule(days=st.integers(min_value=0, max_value=40))
    def batch(self, days):
        self.now += timedelta(days=days)
        batch = batches.payout_batch_run(now=self.now)
        for payout_id in Payout.objects.filter(batch=batch).values_list("id", flat=True):
            batches.payout_send(payout_id=payout_id)

    @rule(data=st.data())
    def bank_returns_a_payout(self, data):
        completed = list(Payout.objects.filter(status="completed").order_by("id"))
        if not completed:
            return
        payout = data.draw(st.sampled_from(completed))
        batches.payout_return(payout_id=payout.pk, reason="R03 no account", now=self.now)
        payee_ready(payout.user_id)  # the payee puts the account right, staff verify it again

    @invariant()
    def every_minor_unit_is_accounted_for(self):
        for sale in Sale.objects.filter(revenue_recorded_at__isnull=False):
            refunded = min(
                sale.refunds.aggregate(total=Sum("amount_minor"))["total"] or 0, sale.gross_minor
            )
            reversed_net = round_half_away(Fraction(sale.net_minor * refunded, sale.gross_minor))
            live = (
                EarnedRevenue.objects.filter(sale=sale, status__in=LIVE).aggregate(
                    total=Sum("amount_minor")
                )["total"]
                or 0
            )
            # A net the fee took all of (or more) is shared as nothing, and stays nothing.
            expected = sale.net_minor - reversed_net if sale.net_minor > 0 else 0
            assert live == expected, sale
        paid = EarnedRevenue.objects.filter(status="paid").aggregate(total=Sum("amount_minor"))
        sent = Payout.objects.filter(status="completed").aggregate(total=Sum("amount_minor"))
        assert (paid["total"] or 0) == (sent["total"] or 0)
        report = ledger_verify()
        assert report.ok, report.problems


@pytest.mark.django_db
def test_random_sequences_of_facts_and_batches_account_for_every_minor_unit(settings):
    from hypothesis.stateful import run_state_machine_as_test

    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SECRET_KEY = ""
    run_state_machine_as_test(
        PayoutsMachine,
        settings=settings_for_machine,
    )


settings_for_machine = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
