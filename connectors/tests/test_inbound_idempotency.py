import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from cadence.kernel.errors import ApplicationError
from connectors.errors import IdempotencyConflict
from connectors.inbound.idempotency import canonical_payload, inbound_request_once, payload_hash
from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey, InboundRequest
from connectors.tests.signing import signed_request

ENROLLMENT_REQUEST = "enrollment-request"
ORDER_ITEM = {"orderId": "ord_1", "orderItemId": "oi_1"}


def system_key(name: str = "commerce-platform") -> int:
    """The id of the connector key named ``name``, issued the first time it is asked for."""
    if not ConnectorKey.objects.filter(name=name).exists():
        connector_key_create(name=name)
    return ConnectorKey.objects.get(name=name).pk


def request_enrollment(
    payload: dict, natural_key=ORDER_ITEM, endpoint=ENROLLMENT_REQUEST, key_id: int | None = None
):
    key_id = key_id or system_key()

    def effect():
        group = Group.objects.create(name=f"enrolled:{key_id}:{natural_key['orderItemId']}")
        return 201, {"success": True, "enrollmentId": f"enr_{group.pk}", "status": "pending"}

    return inbound_request_once(
        endpoint=endpoint,
        natural_key=natural_key,
        payload=payload,
        effect=effect,
        connector_key_id=key_id,
    )


def effects() -> int:
    return Group.objects.filter(name__startswith="enrolled:").count()


PAYLOAD = {**ORDER_ITEM, "userId": "usr_1", "purchaseMetadata": {"amount": Decimal("199.00")}}


@pytest.mark.django_db
def test_a_repeat_with_the_same_payload_gets_the_same_answer_and_has_no_second_effect():
    first = request_enrollment(PAYLOAD)
    again = request_enrollment(dict(reversed(PAYLOAD.items())))

    assert (first.status, first.replayed) == (201, False)
    assert (again.status, again.body, again.replayed) == (201, first.body, True)
    assert effects() == 1
    assert InboundRequest.objects.get().natural_key == "orderId=ord_1&orderItemId=oi_1"


@pytest.mark.django_db
def test_an_amount_written_differently_is_the_same_payload():
    request_enrollment(PAYLOAD)

    again = request_enrollment({**PAYLOAD, "purchaseMetadata": {"amount": 199}})

    assert again.replayed
    assert effects() == 1


@pytest.mark.django_db
def test_a_repeat_with_a_different_payload_is_a_conflict_naming_the_field():
    request_enrollment(PAYLOAD)

    with pytest.raises(IdempotencyConflict) as refused:
        request_enrollment({**PAYLOAD, "purchaseMetadata": {"amount": Decimal("1.00")}})

    assert refused.value.status_code == 409
    assert refused.value.field == "purchaseMetadata.amount"
    assert str(refused.value.message) == (
        "orderId ord_1 + orderItemId oi_1 was already sent with a different payload "
        "(purchaseMetadata.amount differ); send a new key for a new request"
    )
    assert effects() == 1


@pytest.mark.django_db
def test_a_refused_effect_records_nothing_so_a_corrected_repeat_is_first():
    def refuse():
        Group.objects.create(name="enrolled:half-done")
        raise ApplicationError("course not found", field="courseId")

    with pytest.raises(ApplicationError):
        inbound_request_once(
            endpoint=ENROLLMENT_REQUEST,
            natural_key=ORDER_ITEM,
            payload=PAYLOAD,
            effect=refuse,
            connector_key_id=system_key(),
        )
    assert not InboundRequest.objects.exists()
    assert effects() == 0

    assert request_enrollment({**PAYLOAD, "courseId": "crs_2"}).replayed is False
    assert effects() == 1


@pytest.mark.django_db
def test_natural_keys_are_per_endpoint():
    request_enrollment(PAYLOAD)
    other = request_enrollment(
        PAYLOAD, natural_key={**ORDER_ITEM, "orderItemId": "oi_2"}, endpoint="revenue-recorded"
    )

    assert not other.replayed
    assert effects() == 2


@pytest.mark.django_db
def test_records_are_per_key_so_another_key_never_gets_this_keys_answer():
    first = request_enrollment(PAYLOAD, key_id=system_key("commerce-platform"))

    other = request_enrollment(PAYLOAD, key_id=system_key("another-platform"))
    conflicting = request_enrollment(
        {**PAYLOAD, "userId": "usr_2"}, key_id=system_key("third-platform")
    )

    assert not other.replayed and not conflicting.replayed
    assert other.body["enrollmentId"] != first.body["enrollmentId"]
    assert effects() == 3
    assert InboundRequest.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_have_one_effect_and_one_answer():
    barrier = threading.Barrier(6)
    answers = []
    key_id = system_key()

    def send():
        barrier.wait()
        try:
            answers.append(request_enrollment(PAYLOAD, key_id=key_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 6
    assert sum(not a.replayed for a in answers) == 1
    assert len({a.body["enrollmentId"] for a in answers}) == 1
    assert effects() == 1


# Over HTTP, through a connector endpoint that records a label once per labelId.
pytestmark_http = pytest.mark.urls("connectors.tests.idempotent_endpoint")
LABEL = {"labelId": "lbl_1", "name": "gold", "amount": "19.90"}


@pytest.fixture
def issued(db):
    return connector_key_create(name="commerce-platform")


def post_label(client, issued, document, **kwargs):
    return signed_request(
        client,
        "POST",
        "/test/labels",
        key=issued.key,
        secrets=kwargs.pop("secrets", [issued.secret]),
        document=document,
        key_in="body",
        **kwargs,
    )


def labels() -> int:
    return Group.objects.filter(name__startswith="label:").count()


@pytestmark_http
def test_an_endpoint_answers_a_repeat_from_the_record(client, issued):
    first = post_label(client, issued, LABEL)
    again = post_label(client, issued, {**LABEL, "amount": 19.9})

    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert labels() == 1
    assert InboundRequest.objects.get().connector_key.name == "commerce-platform"


@pytestmark_http
def test_another_key_sending_the_same_body_is_not_given_the_first_keys_answer(client, issued):
    other = connector_key_create(name="another-platform")
    first = post_label(client, issued, LABEL)

    response = post_label(client, other, LABEL)

    assert response.status_code == 201, response.content
    assert "Idempotent-Replayed" not in response.headers
    assert response.json()["groupId"] != first.json()["groupId"]
    assert labels() == 2
    assert sorted(InboundRequest.objects.values_list("connector_key__name", flat=True)) == [
        "another-platform",
        "commerce-platform",
    ]


@pytestmark_http
def test_an_endpoint_refuses_a_conflicting_repeat_with_409_and_the_reason(client, issued):
    post_label(client, issued, LABEL)

    response = post_label(client, issued, {**LABEL, "name": "silver"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert response.json()["error"]["field"] == "name"
    assert labels() == 1


@pytestmark_http
def test_an_endpoint_refuses_an_invalid_field_and_writes_nothing(client, issued):
    response = post_label(client, issued, {**LABEL, "amount": "19.999"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "amount"
    assert not InboundRequest.objects.exists()
    assert labels() == 0


@pytestmark_http
def test_an_endpoint_refuses_a_bad_signature_and_writes_nothing(client, issued):
    response = post_label(client, issued, LABEL, secrets=["cds_wrong"])

    assert response.status_code == 401
    assert not InboundRequest.objects.exists()
    assert labels() == 0


@given(
    units=st.integers(min_value=-(10**12), max_value=10**12),
    places=st.integers(min_value=0, max_value=4),
    padding=st.integers(min_value=0, max_value=3),
)
def test_an_amount_hashes_the_same_with_trailing_zeros_and_differently_when_it_differs(
    units, places, padding
):
    amount = Decimal(units).scaleb(-places)
    padded = amount.quantize(Decimal(1).scaleb(-(places + padding)))
    one_minor_unit_more = amount + Decimal(1).scaleb(-places)

    def digest(value):
        return payload_hash(canonical_payload({"payload": {"grossAmount": value}}))

    assert digest(padded) == digest(amount)
    assert digest(one_minor_unit_more) != digest(amount)
    if places == 0:
        assert digest(units) == digest(amount)


def test_validated_dates_are_kept_as_iso_text():
    paid_at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

    canonical = canonical_payload({"payload": {"paidAt": paid_at, "on": [date(2025, 3, 1)]}})

    assert canonical == {"payload": {"paidAt": "2025-03-01T09:30:00+00:00", "on": ["2025-03-01"]}}
