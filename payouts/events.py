"""Facts payouts publishes (see README.md). Declared here, published by services."""

from cadence.kernel.events import DomainEvent
from payouts.data import PayoutSettled

payout_completed = DomainEvent("cadence.payouts.payout.completed.v1", PayoutSettled)
payout_failed = DomainEvent("cadence.payouts.payout.failed.v1", PayoutSettled)
