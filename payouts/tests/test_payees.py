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
