from datetime import UTC, datetime

import pytest

from payouts import api
from payouts.data import PayeeDetails
from payouts.errors import PayoutsError
from payouts.models import Payee

pytestmark = pytest.mark.django_db


def test_user_sync_creates_then_refreshes_the_payee_cache():
    api.payee_upsert(PayeeDetails(user_id="usr_a", name="Ada", email="ada@example.com"))
    api.payee_upsert(PayeeDetails(user_id="usr_a", name="Ada L.", email="ada@example.org"))

    payee = Payee.objects.get()
    assert (payee.name, payee.email) == ("Ada L.", "ada@example.org")


def test_a_payee_without_a_user_id_is_refused():
    with pytest.raises(PayoutsError) as refused:
        api.payee_upsert(PayeeDetails(user_id="", name="x", email="x@example.com"))
    assert refused.value.field == "userId"
    assert not Payee.objects.exists()


def test_a_late_older_user_sync_does_not_overwrite_newer_details():
    newer = datetime(2025, 2, 1, tzinfo=UTC)
    older = datetime(2025, 1, 1, tzinfo=UTC)
    api.payee_upsert(PayeeDetails("usr_a", "Ada Lovelace", "ada@new.example", synced_at=newer))
    api.payee_upsert(PayeeDetails("usr_a", "Ada", "ada@old.example", synced_at=older))

    payee = Payee.objects.get()
    assert (payee.name, payee.email, payee.synced_at) == (
        "Ada Lovelace",
        "ada@new.example",
        newer,
    )
