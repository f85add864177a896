import pytest
from django.utils import timezone

from payouts import api
from payouts.data import RefundIssued
from payouts.tests.factories import RevenueRecordedFactory


@pytest.mark.django_db
def test_sales_overview_sums_refunds_per_sale_in_one_query(django_assert_num_queries):
    sold = [RevenueRecordedFactory() for _ in range(3)]
    for refund_id, amount in (("ref_1", 5000), ("ref_2", 2500)):
        api.refund_record(
            RefundIssued(
                refund_id=refund_id,
                order_id=sold[0].order_id,
                order_item_id=sold[0].order_item_id,
                amount=amount,
                currency="USD",
                refunded_at=timezone.now(),
            )
        )
    for revenue in sold:
        api.revenue_record(revenue)

    with django_assert_num_queries(1):
        overview = api.sales_overview()

    assert [
        (s.order_item_id, s.gross_amount, s.refunded_amount, s.completed) for s in overview
    ] == [
        (sold[0].order_item_id, 19900, 7500, False),
        (sold[1].order_item_id, 19900, 0, False),
        (sold[2].order_item_id, 19900, 0, False),
    ]
