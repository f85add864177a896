"""P3: a paid order becomes a pending enrollment and pending earnings, through the outbox and the
real workers; against a raw-SQL script writing the same rows, one transaction per order.

The raw-SQL baseline does not hand-list tables: it replays the rows one paid order really wrote
(captured from the database after one order, with the workers' effects), as one statement per
order of chained ``INSERT … RETURNING id`` with every foreign key pointed at the copies and every
unique text made unique. So it writes exactly the rows and indexes our code writes, and nothing
of our code's reading, locking, checking or messaging.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict

# Tables the baseline leaves out: sessions and the like are no part of an order.
IGNORED_TABLES = {"django_session", "django_admin_log"}


def add_commands(commands) -> None:
    prepare = commands.add_parser("orders-prepare", help="learners and courses for --orders")
    prepare.add_argument("--orders", type=int, required=True)
    prepare.add_argument("--items", type=int, default=1)
    prepare.add_argument("--out", required=True)
    run = commands.add_parser("orders-run", help="pay the prepared orders; wait for the workers")
    run.add_argument("--prepared", required=True)
    run.add_argument("--timeout", type=float, default=600)
    queries = commands.add_parser("orders-queries", help="queries of one paid order (eager)")
    queries.add_argument("--items", type=int, default=1)
    queries.add_argument("--template", default="")
    baseline = commands.add_parser("orders-baseline", help="the raw-SQL writes of --orders")
    baseline.add_argument("--orders", type=int, required=True)
    baseline.add_argument("--template", required=True)


def run_command(args) -> dict:
    if args.command == "orders-prepare":
        return prepare(args.orders, args.items, args.out)
    if args.command == "orders-run":
        return pay_and_wait(args.prepared, args.timeout)
    if args.command == "orders-queries":
        return one_order_queries(args.items, args.template)
    return baseline_run(args.orders, args.template)


def fast_passwords() -> None:
    # Preparing hundreds of learners is not what is measured; hashing their passwords slowly is
    # no part of an order.
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()


def prepare(orders: int, items: int, out: str) -> dict:
    """``orders`` learners and ``items`` courses for sale (run eagerly: the syncs are delivered)."""
    from tests.lifecycle import course_for_sale, deliver_all, learner

    fast_passwords()
    tag = uuid.uuid4().hex[:6]
    learners = [learner(f"o{tag}{i}").public_id for i in range(orders)]
    catalog = [course_for_sale(requires_approval=True)[1].public_id for _ in range(items)]
    deliver_all()
    with open(out, "w") as file:
        json.dump({"learners": learners, "catalog": catalog}, file)
    return {"orders": orders, "items": items}


def _pay(customer_id: str, catalog: list[str]) -> list[str]:
    """The learner buys the catalog items with the test processor; the order item ids."""
    from commerce.models import CatalogItem
    from commerce.tests.factories import buy

    order, _payment = buy(customer_id, *CatalogItem.objects.filter(public_id__in=catalog))
    return list(order.items.values_list("public_id", flat=True))


def _settled(order_item_ids: list[str]) -> int:
    """How many of the order items have their pending enrollment and their earned revenue."""
    from lms.models import Enrollment
    from payouts.models import EarnedRevenue

    enrolled = set(
        Enrollment.objects.filter(external_order_item_id__in=order_item_ids).values_list(
            "external_order_item_id", flat=True
        )
    )
    earning = set(
        EarnedRevenue.objects.filter(sale__order_item_id__in=order_item_ids).values_list(
            "sale__order_item_id", flat=True
        )
    )
    return len(enrolled & earning)


def pay_and_wait(prepared_path: str, timeout: float) -> dict:
    """Pay every prepared order (one after another, as checkouts arrive), then wait until the
    workers have made each item's pending enrollment and earnings; orders per second end to end."""
    with open(prepared_path) as file:
        prepared = json.load(file)
    started = time.perf_counter()
    order_items: list[str] = []
    for customer_id in prepared["learners"]:
        order_items += _pay(customer_id, prepared["catalog"])
    paid = time.perf_counter() - started
    deadline = started + timeout
    while (done := _settled(order_items)) < len(order_items):
        if time.perf_counter() > deadline:
            raise SystemExit(f"only {done} of {len(order_items)} order items settled in {timeout}s")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    orders = len(prepared["learners"])
    return {"orders": orders, "seconds": elapsed, "paid_seconds": paid, "rps": orders / elapsed}


# --- queries per order, and the rows one order writes ------------------------------------------


def _id_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND column_name = 'id' AND data_type IN ('integer', 'bigint')"
    )
    return sorted(name for (name,) in cursor.fetchall() if name not in IGNORED_TABLES)


def _high_water(cursor, tables: list[str]) -> dict[str, int]:
    marks = {}
    for table in tables:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        marks[table] = cursor.fetchone()[0]
    return marks


def one_order_queries(items: int, template_out: str) -> dict:
    """Queries of one paid order with ``items`` items, the workers' deliveries included (run with
    eager tasks, so they happen here); optionally the rows it wrote, as the baseline's template.

    Two figures: ``queries``, the whole buy (the cart, the checkout, the payment and everything
    it causes), and ``paid_queries``, from the buyer's payment confirmation onward (a paid order
    becoming its pending enrollments and earnings, through the outbox) — the P3 target's figure.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commerce.models import CatalogItem
    from commerce.services import checkout_start, payment_confirm
    from commerce.tests.factories import in_cart
    from tests.lifecycle import course_for_sale, deliver_all, learner

    fast_passwords()
    customer = learner(f"q{uuid.uuid4().hex[:8]}").public_id
    catalog = [course_for_sale(requires_approval=True)[1].public_id for _ in range(items)]
    deliver_all()
    with connection.cursor() as cursor:
        tables = _id_tables(cursor)
        before = _high_water(cursor, tables)
    with CaptureQueriesContext(connection) as captured:
        in_cart(customer, *CatalogItem.objects.filter(public_id__in=catalog))
        started = checkout_start(customer_id=customer, billing_country="US", processor_name="test")
        with CaptureQueriesContext(connection) as paid:
            payment_confirm(
                payment_id=started.payment.public_id, customer_id=customer, outcome="succeeds"
            )
            deliver_all()  # nothing left when eager; counted if anything is
    order_items = list(started.order.items.values_list("public_id", flat=True))
    if _settled(order_items) != items:
        raise SystemExit("the order did not settle in process")
    result = {
        "items": items,
        "queries": len(captured),
        "paid_queries": len(paid),
        "paid_statements": sum(not _transaction_control(q["sql"]) for q in paid.captured_queries),
    }
    if template_out:
        result["rows"] = _template_write(tables, before, template_out)
    return result


def _transaction_control(sql: str) -> bool:
    """``BEGIN``, ``COMMIT``, ``ROLLBACK`` or a savepoint's, which Django counts as queries
    (the raw-SQL baseline's one statement has its ``BEGIN`` and ``COMMIT`` too)."""
    return sql.split(None, 1)[0].upper() in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def _template_write(tables: list[str], before: dict[str, int], out: str) -> int:
    from django.db import connection

    template = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f'SELECT row_to_json(t) FROM "{table}" t WHERE id > %s ORDER BY id', [before[table]]
            )
            rows = [row for (row,) in cursor.fetchall()]
            if rows:
                template.append({"table": table, "rows": rows})
        touched = [entry["table"] for entry in template]
        relations = {
            table: connection.introspection.get_relations(cursor, table) for table in touched
        }
        unique_columns = {}
        for table in touched:
            constraints = connection.introspection.get_constraints(cursor, table)
            unique_columns[table] = sorted(
                constraint["columns"]
                for constraint in constraints.values()
                if constraint["unique"] and not constraint["primary_key"] and constraint["columns"]
            )
    ordered = _dependency_order(touched, relations)
    by_table = {entry["table"]: entry["rows"] for entry in template}
    document = {
        "tables": [
            {
                "table": table,
                "rows": by_table[table],
                "relations": {col: ref[1] for col, ref in relations[table].items()},
                "unique": unique_columns[table],
            }
            for table in ordered
        ]
    }
    with open(out, "w") as file:
        json.dump(document, file, default=str)
    return sum(len(rows) for rows in by_table.values())


def _dependency_order(tables: list[str], relations: dict) -> list[str]:
    ordered: list[str] = []
    waiting = set(tables)
    while waiting:
        ready = sorted(
            table
            for table in waiting
            if all(ref == table or ref not in waiting for _col, ref in relations[table].values())
        )
        if not ready:  # a cycle: insert the rest in any order (the checks are deferred)
            ready = sorted(waiting)
        ordered += ready
        waiting -= set(ready)
    return ordered


def _order_statement(template: dict, suffix: str) -> tuple[str, list]:
    """One statement inserting a copy of every template row, keys pointed at the copies."""
    from psycopg.types.json import Jsonb

    ctes, params = [], []
    copy_of: dict[tuple[str, int], str] = {}
    fresh_uuids: dict[str, str] = {}
    for entry in template["tables"]:
        table, relations = entry["table"], entry["relations"]
        for row in entry["rows"]:
            varied = _columns_to_vary(row, entry["unique"], relations, copy_of)
            name = f"r{len(ctes)}"
            columns, values = [], []
            for column, value in row.items():
                if column == "id":
                    continue
                columns.append(f'"{column}"')
                target = relations.get(column)
                if target and value is not None and (target, value) in copy_of:
                    values.append(f"(SELECT id FROM {copy_of[(target, value)]})")
                    continue
                if isinstance(value, (dict, list)):
                    value = Jsonb(value)
                elif isinstance(value, str) and column in varied:
                    value = _unique_variant(value, suffix, fresh_uuids)
                values.append("%s")
                params.append(value)
            ctes.append(
                f'{name} AS (INSERT INTO "{table}" ({", ".join(columns)}) '
                f"VALUES ({', '.join(values)}) RETURNING id)"
            )
            copy_of[(table, row["id"])] = name
    return "WITH " + ",\n".join(ctes) + " SELECT 1", params


def _columns_to_vary(row: dict, unique: list[list[str]], relations: dict, copy_of: dict) -> set:
    """One column per unique constraint that the copy must change: none when the constraint
    holds a key pointed at a fresh copy, else its longest text."""
    varied = set()
    for columns in unique:
        if any((relations.get(c), row.get(c)) in copy_of for c in columns if relations.get(c)):
            continue
        texts = [c for c in columns if isinstance(row.get(c), str) and row.get(c)]
        if texts:
            varied.add(max(texts, key=lambda c: len(row[c])))
    return varied


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        n, digit = divmod(n, 36)
        text = digits[digit] + text
        if not n:
            return text


def _unique_variant(value: str, suffix: str, fresh_uuids: dict[str, str]) -> str:
    """The text made unique for this copy, as long as it was (columns are bounded); the same
    uuid gets the same new uuid throughout one order (keys may point at it)."""
    if len(value) == 36 and value.count("-") == 4:
        return fresh_uuids.setdefault(value, str(uuid.uuid4()))
    if len(value) > 2 * len(suffix):
        return value[: -len(suffix)] + suffix
    return value + suffix


def baseline_run(orders: int, template_path: str) -> dict:
    """Write ``orders`` copies of the template's rows, one transaction (one statement) each."""
    from django.db import connection, transaction

    with open(template_path) as file:
        template = json.load(file)
    tag = uuid.uuid4().hex[:3]
    statements = [_order_statement(template, f"{tag}{_base36(n):0>5}") for n in range(orders)]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            with transaction.atomic():
                cursor.execute(sql, params)
    elapsed = time.perf_counter() - started
    rows = defaultdict(int)
    for entry in template["tables"]:
        rows[entry["table"]] += len(entry["rows"])
    return {"orders": orders, "seconds": elapsed, "rps": orders / elapsed, "rows_per_order": rows}
