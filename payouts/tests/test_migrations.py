import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from payouts.crypto import account_number_decrypt, payout_file_decrypt
from payouts.models import EarnedRevenue
from payouts.services.batches import _PAYABLE, payout_batch_run
from payouts.tests.helpers import confirmed_sale, payee_ready

BEFORE_ENCRYPTION = [("payouts", "0006_nacha_files_returns_and_attention")]
ENCRYPTED = [("payouts", "0007_payout_account_numbers_encrypted")]


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    # Later tests need every migration applied, also those after the one a test stops at.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_account_numbers_stored_in_clear_are_encrypted_and_leave_the_details():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_ENCRYPTION)
    accounts = executor.loader.project_state(BEFORE_ENCRYPTION).apps.get_model(
        "payouts", "PayoutAccount"
    )
    ach = {"routingNumber": "011000015", "accountNumber": "123456789", "accountType": "checking"}
    wire = {"beneficiaryName": "Payee", "swift": "DEUTDEFF", "iban": "DE89370400440532013000"}
    for user_id, method, details in [
        ("usr_ach", "ach", ach),
        ("usr_wire", "wire", wire),
        ("usr_paypal", "paypal", {"email": "p@example.com"}),
    ]:
        accounts.objects.create(
            public_id=f"pacc_{user_id}", user_id=user_id, method=method, details=details
        )

    executor = MigrationExecutor(connection)
    executor.migrate(ENCRYPTED)
    accounts = executor.loader.project_state(ENCRYPTED).apps.get_model("payouts", "PayoutAccount")

    migrated = {a.user_id: a for a in accounts.objects.all()}
    assert migrated["usr_ach"].details == {"routingNumber": "011000015", "accountType": "checking"}
    assert migrated["usr_ach"].account_number_last4 == "6789"
    assert account_number_decrypt(migrated["usr_ach"].account_number_encrypted) == "123456789"
    assert migrated["usr_wire"].details == {"beneficiaryName": "Payee", "swift": "DEUTDEFF"}
    assert migrated["usr_wire"].account_number_last4 == "3000"
    assert (
        account_number_decrypt(migrated["usr_wire"].account_number_encrypted)
        == "DE89370400440532013000"
    )
    assert migrated["usr_paypal"].details == {"email": "p@example.com"}
    assert migrated["usr_paypal"].account_number_encrypted == ""


FILES_IN_CLEAR = [("payouts", "0007_payout_account_numbers_encrypted")]
FILES_ENCRYPTED = [("payouts", "0008_payout_files_encrypted")]


@pytest.mark.django_db(transaction=True)
def test_payout_files_kept_in_clear_are_encrypted():
    # A payout to hang the file on, made with today's code, then the schema taken back.
    payee_ready("usr_b", method="ach")
    confirmed_sale(1, "usr_b")
    payout_id = payout_batch_run().payouts.values_list("pk", flat=True).first()
    executor = MigrationExecutor(connection)
    executor.migrate(FILES_IN_CLEAR)
    files = executor.loader.project_state(FILES_IN_CLEAR).apps.get_model("payouts", "PayoutFile")
    files.objects.all().delete()
    files.objects.create(payout_id=payout_id, kind="nacha", content="6 account 123456789")

    executor = MigrationExecutor(connection)
    executor.migrate(FILES_ENCRYPTED)
    files = executor.loader.project_state(FILES_ENCRYPTED).apps.get_model("payouts", "PayoutFile")

    stored = files.objects.get()
    assert "123456789" not in stored.content_encrypted
    assert payout_file_decrypt(stored.content_encrypted) == "6 account 123456789"


def _earned_revenue_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'payouts_earnedrevenue'"
        )
        return dict(cursor.fetchall())


WITH_PATTERN_INDEXES = [("payouts", "0012_reversal_corrections_after_a_payout_comes_back")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_earned_revenue_loses_its_pattern_indexes_and_gets_them_back_when_unapplied():
    def pattern_columns() -> set[str]:
        return {
            definition.split("(")[1].split()[0]
            for definition in _earned_revenue_indexes().values()
            if "varchar_pattern_ops" in definition
        }

    assert pattern_columns() == set()
    kept = set(_earned_revenue_indexes())

    executor = MigrationExecutor(connection)
    executor.migrate(WITH_PATTERN_INDEXES)
    assert pattern_columns() == {"public_id", "user_id"}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert pattern_columns() == set()
    # Only the copies went: the plain and unique indexes on the same columns stay.
    assert set(_earned_revenue_indexes()) == kept
    definitions = _earned_revenue_indexes().values()
    assert any(d.endswith("USING btree (user_id)") for d in definitions)
    assert any(d.endswith("USING btree (public_id)") and "UNIQUE" in d for d in definitions)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_gathering_index_holds_only_rows_no_payout_holds():
    definition = _earned_revenue_indexes()["payouts_er_unpaid"]
    assert definition.endswith("USING btree (status, user_id) WHERE (payout_id IS NULL)")
    assert "payouts_er_gather" not in _earned_revenue_indexes()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_reads_of_unpaid_rows_can_be_served_by_the_gathering_index():
    payee_ready("usr_a")
    confirmed_sale(1, "usr_a")
    unpaid_currencies = (
        EarnedRevenue.objects.payable()
        .filter(user_id="usr_a", payout__isnull=True)
        .values_list("currency", flat=True)
        .distinct()
    )
    with connection.cursor() as cursor:
        # On a table this small a scan is cheapest: the test asks whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT 1 " + _PAYABLE, [timezone.now()])
        gathering_plan = "\n".join(line for (line,) in cursor.fetchall())
        payee_plan = unpaid_currencies.explain()

    assert "payouts_er_unpaid" in gathering_plan
    assert "payouts_er_unpaid" in payee_plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_origin_and_refund_indexes_hold_only_rows_that_have_one():
    indexes = _earned_revenue_indexes()
    assert indexes["payouts_er_origin"].endswith(
        "USING btree (origin_id) WHERE (origin_id IS NOT NULL)"
    )
    assert indexes["payouts_er_refund"].endswith(
        "USING btree (refund_id) WHERE (refund_id IS NOT NULL)"
    )
    # No full index on either column is left beside them.
    assert not [d for d in indexes.values() if d.endswith(("(origin_id)", "(refund_id)"))]


@pytest.mark.postgres
@pytest.mark.django_db
def test_reads_by_origin_or_refund_can_be_served_by_the_partial_indexes():
    with connection.cursor() as cursor:
        # On a table this small a scan is cheapest: the test asks whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        by_origin = EarnedRevenue.objects.filter(origin_id=1).explain()
        by_refund = EarnedRevenue.objects.filter(refund_id=1).explain()

    assert "payouts_er_origin" in by_origin
    assert "payouts_er_refund" in by_refund
