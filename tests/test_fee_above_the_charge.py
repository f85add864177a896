"""A sale whose processor fee exceeds what was charged reaches payouts as the platform's loss.

The minimum charge keeps the test processor's own schedule from doing this, but a processor that
reports its actual fee (Stripe's balance transaction, with conversion and international card
fees) can still take more than a small charge: commerce records the negative net and payouts
shares it as nothing, without a delivery ever giving up.
"""

from __future__ import annotations

import pytest

from cadence.kernel.money import Money
from commerce.models import RevenueLedgerEntry
from commerce.processors.test import TestProcessor
from connectors.models import OutboxDelivery
from connectors.reconciliation import reconcile
from payouts.models import EarnedRevenue, JournalEntry, Sale
from payouts.selectors.ledger import ledger_verify
from tests.lifecycle import course_for_sale, learner, purchase

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fee_above_the_charge_is_recorded_as_a_platform_loss_and_nothing_dead_letters(
    monkeypatch,
):
    # The processor reports a fee one cent above the charge.
    monkeypatch.setattr(
        TestProcessor, "fee", lambda self, amount: Money(amount.minor + 1, amount.currency)
    )
    _course, item = course_for_sale("0.50")

    bought = purchase(learner(), item)

    entry = RevenueLedgerEntry.objects.get(order_item=bought)
    assert (entry.gross_minor, entry.fee_minor, entry.net_minor) == (50, 51, -1)
    assert not OutboxDelivery.objects.filter(status=OutboxDelivery.Status.DEAD).exists()
    sale = Sale.objects.get(order_item_id=bought.public_id)
    assert sale.net_minor == -1
    shares = EarnedRevenue.objects.filter(sale=sale).values_list("amount_minor", flat=True)
    assert set(shares) == {0}
    loss = JournalEntry.objects.get(account="platform:losses")
    assert (loss.amount_minor, loss.currency) == (1, "USD")
    assert ledger_verify().ok
    assert reconcile(repair=False) == []
