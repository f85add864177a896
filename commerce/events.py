"""Facts commerce publishes (see README.md). Declared here, published by services."""

from cadence.kernel.events import DomainEvent
from commerce.data import OrderPaid, PaymentCompleted, RefundCompleted

# One per paid order, carrying its items, in the transaction that marked the order paid.
order_paid = DomainEvent("cadence.commerce.order.paid.v1", OrderPaid)

# One per paid order item: published until ``order.paid`` replaced it, and still declared so that
# the events of it already in an outbox are delivered (and outbound webhooks still carry it per
# item, from ``order.paid``).
payment_completed = DomainEvent("cadence.commerce.payment.completed.v1", PaymentCompleted)

# One per refund the processor carried out, in the transaction that recorded it.
refund_completed = DomainEvent("cadence.commerce.refund.completed.v1", RefundCompleted)
