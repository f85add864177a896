"""Facts commerce publishes (see README.md). Declared here, published by services."""

from cadence.kernel.events import DomainEvent
from commerce.data import PaymentCompleted, RefundCompleted

# One per paid order item, in the transaction that marked the order paid.
payment_completed = DomainEvent("cadence.commerce.payment.completed.v1", PaymentCompleted)

# One per refund the processor carried out, in the transaction that recorded it.
refund_completed = DomainEvent("cadence.commerce.refund.completed.v1", RefundCompleted)
