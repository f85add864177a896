"""Small readers the payouts tests share (no fixtures, no stubs: they read the database)."""

from payouts.models import EarnedRevenue


def shares(order_item_id: str = "oi_1") -> dict[tuple[str, str], tuple[str, int]]:
    """(role, user) -> (status, amount) of the item's share rows."""
    return {
        (row.role, row.user_id): (row.status, row.amount_minor)
        for row in EarnedRevenue.objects.filter(sale__order_item_id=order_item_id, kind="share")
    }


def snapshot(order_item_id: str = "oi_1") -> list[tuple]:
    """Everything that matters about the item's earned revenue, independent of row ids."""
    rows = EarnedRevenue.objects.filter(sale__order_item_id=order_item_id)
    return sorted((r.role, r.user_id, r.kind, r.status, r.amount_minor) for r in rows)


def payee_ready(user_id: str, method: str = "stripe-connect", details: dict | None = None):
    """A payee whose account is verified and whose W-9 is complete: payable."""
    from payouts.services.accounts import payout_account_save, payout_account_verify, tax_info_save

    details = details or DETAILS[method](user_id)
    payout_account_save(user_id=user_id, method=method, details=details)
    payout_account_verify(user_id=user_id, verified_by="staff")
    tax_info_save(
        user_id=user_id, form="w9", tin="123-45-6789", certify=True, legal_name=f"Payee {user_id}",
        country="US", address_line="1 Main St", city="Springfield", postal_code="12345",
        signature_name=f"Payee {user_id}",
    )  # fmt: skip


DETAILS = {
    "stripe-connect": lambda user: {"stripeAccountId": f"acct_test{user.replace('_', '')}"},
    "paypal": lambda user: {"email": f"{user}@example.com"},
    "ach": lambda user: {"routingNumber": "011000015", "accountNumber": "123456789",
                         "accountType": "checking", "accountHolderName": f"Payee {user}"},
    "wire": lambda user: {"beneficiaryName": f"Payee {user}", "bankName": "Deutsche Bank",
                          "swift": "DEUTDEFF", "iban": "DE89370400440532013000"},
}  # fmt: skip


def confirmed_sale(n: int, creator: str, *, gross: int = 10000, paid_at=None, currency="USD"):
    """A completed sale with no instructor: the creator's 40 % is confirmed."""
    from datetime import timedelta

    from django.utils import timezone

    from payouts import api
    from payouts.tests.factories import EnrollmentCompletedFactory, RevenueRecordedFactory

    paid_at = paid_at or timezone.now() - timedelta(days=40)
    item = {"order_id": f"ord_{n}", "order_item_id": f"oi_{n}"}
    api.revenue_record(RevenueRecordedFactory(
        content_creator_id=creator, instructor_ids=(), gross_amount=gross, platform_fee=0,
        paid_at=paid_at, currency=currency, **item,
    ))  # fmt: skip
    api.enrollment_completion_record(EnrollmentCompletedFactory(
        enrollment_id=f"enr_{n}", completed_at=paid_at + timedelta(days=1), **item
    ))  # fmt: skip
