"""A key acts only on what its own system created: its orders, order items and enrollments.

What Cadence sold (commerce knows the order or the item) or enrolled (its LMS holds the
enrollment) is Cadence's, and Cadence reports on it itself, in process. Anything else belongs to
the first key whose accepted request names it; every other key is refused it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from commerce import api as commerce_api
from connectors.errors import ConnectorOwnershipError
from connectors.models import OutsideRecord
from lms import api as lms_api

Kind = OutsideRecord.Kind


@dataclass(frozen=True)
class Named:
    """An id a request names, and the field it names it in (``payload.orderId``)."""

    kind: Kind
    record_id: str
    field: str


def outside_records_claim(*, connector_key_id: int, named: list[Named]) -> None:
    """Refuse unless every record in ``named`` is this key's system's; note the new ones as its.

    Raises ``ConnectorOwnershipError`` (403) naming the field of the first record that Cadence
    sold or enrolled, or that another key's system created. Call it inside the request's effect:
    a refusal then rolls back everything, these records included. A fixed number of queries.
    """
    _refuse_what_cadence_made(named)
    # Concurrent first claims meet on the unique constraint: the loser inserts nothing and reads
    # the winner's row below (committed by then, as PostgreSQL waits for it). What this insert
    # returns is this key's for sure; only the rest is read back, so a first claim is one query.
    claimed = _claim_new(connector_key_id, named)
    owners = {
        (n.kind, n.record_id): connector_key_id for n in named if (n.kind, n.record_id) in claimed
    }
    unclaimed = [n for n in named if (n.kind, n.record_id) not in claimed]
    if unclaimed:
        wanted = Q()
        for n in unclaimed:
            wanted |= Q(kind=n.kind, record_id=n.record_id)
        owners.update(
            {
                (kind, record_id): owner
                for kind, record_id, owner in OutsideRecord.objects.filter(wanted).values_list(
                    "kind", "record_id", "connector_key_id"
                )
            }
        )
    for n in named:
        if owners.get((n.kind, n.record_id)) != connector_key_id:
            raise ConnectorOwnershipError(
                f"{Kind(n.kind).label} {n.record_id} was created by another connector key's "
                "system; a key acts only on what its own system created",
                field=n.field,
            )


def _claim_new(connector_key_id: int, named: list[Named]) -> set[tuple[str, str]]:
    """Insert the records nobody has claimed yet as this key's; return the (kind, id) inserted."""
    table = connection.ops.quote_name(OutsideRecord._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(named))
    now = OutsideRecord._meta.get_field("created_at").get_db_prep_value(timezone.now(), connection)
    params = [value for n in named for value in (connector_key_id, str(n.kind), n.record_id, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (connector_key_id, kind, record_id, created_at) "  # noqa: S608
            f"VALUES {rows} ON CONFLICT (kind, record_id) DO NOTHING RETURNING kind, record_id",
            params,
        )
        return {(kind, record_id) for kind, record_id in cursor.fetchall()}


def _refuse_what_cadence_made(named: list[Named]) -> None:
    order = next((n for n in named if n.kind == Kind.ORDER), None)
    item = next((n for n in named if n.kind == Kind.ORDER_ITEM), None)
    enrollment = next((n for n in named if n.kind == Kind.ENROLLMENT), None)
    if enrollment and lms_api.enrollment_exists(enrollment_id=enrollment.record_id):
        raise ConnectorOwnershipError(
            f"enrollment {enrollment.record_id} was made by Cadence's LMS, which reports on it "
            "itself; a key acts only on enrollments its own system created",
            field=enrollment.field,
        )
    if order or item:
        sold = commerce_api.order_ids_sold(
            order_id=order.record_id if order else "",
            order_item_id=item.record_id if item else "",
        )
        for n, by_cadence in ((order, sold.order), (item, sold.order_item)):
            if n and by_cadence:
                raise ConnectorOwnershipError(
                    f"{Kind(n.kind).label} {n.record_id} was sold by Cadence, which reports on it "
                    "itself; a key acts only on orders its own system created",
                    field=n.field,
                )
