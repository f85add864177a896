"""commerce's writes: keyword-only functions, each in one transaction, raising commerce's errors.

Start with ``checkout`` (cart → pending order), then ``payments`` (the processor's answer →
paid order, ledger and events), then ``refunds``.
"""

from commerce.services.carts import (
    cart_currency_set,
    cart_item_add,
    cart_item_remove,
    cart_merge,
)
from commerce.services.catalog import (
    catalog_course_upsert,
    catalog_item_price_set,
    commerce_user_upsert,
)
from commerce.services.checkout import CheckoutStarted, Quote, checkout_quote, checkout_start
from commerce.services.fulfilment import (
    order_item_enrollment_status_record,
    order_item_fulfil,
    order_item_reject,
)
from commerce.services.orders import order_cancel, orders_pending_expire
from commerce.services.payments import (
    payment_complete,
    payment_confirm,
    payment_record_failure,
    payment_record_success,
    payment_result_record,
)
from commerce.services.refunds import refund_issue, refund_record_result, refund_request

__all__ = [
    "CheckoutStarted",
    "Quote",
    "cart_currency_set",
    "cart_item_add",
    "cart_item_remove",
    "cart_merge",
    "catalog_course_upsert",
    "catalog_item_price_set",
    "checkout_quote",
    "checkout_start",
    "commerce_user_upsert",
    "order_cancel",
    "order_item_enrollment_status_record",
    "order_item_fulfil",
    "order_item_reject",
    "orders_pending_expire",
    "payment_complete",
    "payment_confirm",
    "payment_record_failure",
    "payment_record_success",
    "payment_result_record",
    "refund_issue",
    "refund_record_result",
    "refund_request",
]
