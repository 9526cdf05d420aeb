"""The erasure baseline: one customer's erasure and objection in hand-written SQL, one transaction.

The same reads as the access baseline (``bench.baseline``: one indexed query per table of the
shop and newsletter connectors, plus the rows the customer only received), then one ``DELETE``
or ``UPDATE`` per table following the data map's erasure actions, the objection (open
subscriptions and consents ended), and the reads again (the proof of what is left). Retention
is simplified in the baseline's favour: a field with a retention rule is kept without looking at
its date, and a row whose deleting fields have one stays. No plan stored, no journal, no
receipt, no suppression list, no answer, no audit trail, no workflow: the floor for the work.

The transaction is rolled back, so the same customer is erased by dsr afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg

from bench.baseline import FROM_WHERE, RECIPIENT, BaselineQuery, queries
from connectors.datamap import load_datamap
from dsr.config import DEMO_DIR
from dsr.demo.shop_schema import metadata

CONNECTORS = ("shop", "newsletter")
#: The objection: what ends a subscription or consent (set where still open).
OBJECTION = {"newsletter_subscriptions": "unsubscribed_at", "consents": "withdrawn_at"}


@dataclass(frozen=True)
class ErasurePlan:
    """The statements of one erasure: reads, writes, reads again."""

    reads: tuple[BaselineQuery, ...]
    writes: tuple[str, ...]


@dataclass(frozen=True)
class ErasureRun:
    """One baseline erasure: seconds spent, rows changed, statements sent."""

    seconds: float
    rows_changed: int
    statements: int


def _update(table: str, assignments: list[str]) -> str:
    """``UPDATE`` of the customer's rows of ``table`` (joined to orders where it must be)."""
    sets = ", ".join(assignments)
    where = FROM_WHERE[table].removeprefix("t ")
    if where.startswith("JOIN orders o ON "):  # UPDATE ... FROM orders o WHERE o.id = t.order_id
        join, _, rest = where.removeprefix("JOIN orders o ON ").partition(" WHERE ")
        return f"UPDATE {table} t SET {sets} FROM orders o WHERE {join} AND {rest}"
    return f"UPDATE {table} t SET {sets} {where}"


def statements() -> ErasurePlan:
    """The statements for the demo data map's shop and newsletter tables."""
    datamap = load_datamap(DEMO_DIR / "datamap.toml")
    reads = tuple(q for connector in CONNECTORS for q in queries(connector))
    writes: list[str] = []
    for connector in CONNECTORS:
        for table in datamap.tables_for(connector):
            schema = metadata.tables[table.name]
            erasable = [c for c in table.columns if c.erasure != "keep"]
            free = [c for c in erasable if not (c.retention or table.retention)]
            deleting = any(c.erasure == "delete" for c in erasable)
            if deleting and len(free) == len(erasable):
                writes.append(f"DELETE FROM {table.name} {FROM_WHERE[table.name]}")
                continue
            sets = [f"{c.name} = NULL" for c in free
                    if c.erasure == "null" or (c.erasure == "delete" and schema.c[c.name].nullable)]
            sets += [f"{c.name} = 'anon-' || t.id::text" for c in free if c.erasure == "anonymise"]
            if table.name in OBJECTION:
                ended = OBJECTION[table.name]
                sets.append(f"{ended} = coalesce({ended}, now())")
            if sets:
                writes.append(_update(table.name, sets))
            if table.recipient is not None:
                fields = [table.column(name) for name in table.recipient.fields]
                received = [f"{c.name} = NULL" for c in fields
                            if c.erasure != "keep" and not (c.retention or table.retention)]
                writes.append(f"UPDATE {RECIPIENT.split(' ', 1)[0]} t SET {', '.join(received)} "
                              f"{RECIPIENT.split(' ', 2)[2]}")
    return ErasurePlan(reads, tuple(writes))


def run(conn: psycopg.Connection, plan: ErasurePlan, customer_id: int,
        email: str) -> ErasureRun:
    """Time one baseline erasure of the customer (reads, writes, reads again), rolled back."""
    params = {"id": customer_id, "email": email}
    changed = 0
    started = time.perf_counter()
    with conn.cursor() as cursor:
        for query in plan.reads:
            cursor.execute(query.sql, params)
            cursor.fetchall()
        for sql in plan.writes:
            cursor.execute(sql, params)
            changed += max(cursor.rowcount, 0)
        for query in plan.reads:
            cursor.execute(query.sql, params)
            cursor.fetchall()
    seconds = time.perf_counter() - started
    conn.rollback()
    return ErasureRun(seconds=seconds, rows_changed=changed,
                      statements=2 * len(plan.reads) + len(plan.writes))
