"""Whose records they are: the first key whose accepted request names an id owns it."""

import threading

import pytest
from django.db import connection, transaction

from connectors.errors import ConnectorOwnershipError
from connectors.inbound.keys import connector_key_create
from connectors.inbound.ownership import Kind, Named, outside_records_claim
from connectors.models import ConnectorKey, OutsideRecord

ORDER = [Named(Kind.ORDER, "ord_1", "payload.orderId")]


def key_id(name: str) -> int:
    connector_key_create(name=name)
    return ConnectorKey.objects.get(name=name).pk


@pytest.mark.django_db
def test_a_key_may_claim_what_it_already_owns_and_nobody_else_may():
    ours, theirs = key_id("commerce-platform"), key_id("another-platform")
    outside_records_claim(connector_key_id=ours, named=ORDER)
    outside_records_claim(connector_key_id=ours, named=ORDER)

    with pytest.raises(ConnectorOwnershipError) as refused:
        outside_records_claim(connector_key_id=theirs, named=ORDER)

    assert (refused.value.status_code, refused.value.field) == (403, "payload.orderId")
    assert str(refused.value.message) == (
        "order ord_1 was created by another connector key's system; a key acts only on what "
        "its own system created"
    )
    assert list(OutsideRecord.objects.values_list("connector_key_id", "record_id")) == [
        (ours, "ord_1")
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_claims_by_several_keys_leave_one_owner():
    keys = [key_id(f"system-{number}") for number in range(6)]
    barrier = threading.Barrier(len(keys))
    outcomes = []

    def claim(owner: int):
        barrier.wait()
        try:
            with transaction.atomic():
                outside_records_claim(connector_key_id=owner, named=ORDER)
            outcomes.append(owner)
        except ConnectorOwnershipError:
            outcomes.append(None)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(owner,)) for owner in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [owner for owner in outcomes if owner is not None]
    assert len(outcomes) == len(keys)
    assert len(winners) == 1
    assert list(OutsideRecord.objects.values_list("connector_key_id", flat=True)) == winners
