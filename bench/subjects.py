"""Choosing the benchmark's data subjects deterministically from the shop."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

SHOWCASE_CUSTOMER_NO = "K-100001"

_MEDIAN_ORDERS = sa.text(
    "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM ("
    " SELECT count(o.id) AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id"
    " GROUP BY c.id) counted")
_ORDERS_OF = "(SELECT count(*) FROM orders o WHERE o.customer_id = c.id)"
_TYPICAL_AFTER = sa.text(
    f"SELECT c.id FROM customers c WHERE c.id >= :target AND {_ORDERS_OF} = :orders "
    "ORDER BY c.id LIMIT 1")
_TYPICAL_BEFORE = sa.text(
    f"SELECT c.id FROM customers c WHERE c.id <= :target AND {_ORDERS_OF} = :orders "
    "ORDER BY c.id DESC LIMIT 1")
_DETAILS = sa.text(
    f"SELECT c.id, c.customer_no, c.first_name, c.last_name, c.email, {_ORDERS_OF} AS orders "
    "FROM customers c WHERE c.id = :id OR c.customer_no = :no")


@dataclass(frozen=True)
class Subject:
    """A customer the benchmark asks for: what the request claims, and how much they bought."""

    id: int
    customer_no: str
    name: str
    email: str
    orders: int


@dataclass(frozen=True)
class Subjects:
    """The warm-up customer (not counted), the measured ones, and the showcase customer."""

    median_orders: int
    warmup: Subject
    measured: tuple[Subject, ...]
    showcase: Subject


def _subject(conn: sa.Connection, *, customer_id: int = 0, customer_no: str = "") -> Subject:
    row = conn.execute(_DETAILS, {"id": customer_id, "no": customer_no}).one()
    return Subject(row.id, row.customer_no, f"{row.first_name} {row.last_name}", row.email,
                   row.orders)


def _typical(conn: sa.Connection, target: int, orders: int) -> Subject:
    """The first customer from ``target`` on with the median number of orders."""
    found = conn.scalar(_TYPICAL_AFTER, {"target": target, "orders": orders})
    if found is None:
        found = conn.scalar(_TYPICAL_BEFORE, {"target": target, "orders": orders})
    return _subject(conn, customer_id=int(found))


def pick_subjects(engine: sa.Engine, count: int) -> Subjects:
    """Every (customers / count)-th customer id, moved on to the next customer with the median
    number of orders; the warm-up is half a step before the first. Deterministic per shop."""
    with engine.connect() as conn:
        customers = int(conn.scalar(sa.text("SELECT count(*) FROM customers")) or 0)
        orders = int(conn.scalar(_MEDIAN_ORDERS) or 0)
        step = max(1, customers // count)
        measured = tuple(_typical(conn, step * k, orders) for k in range(1, count + 1))
        warmup = _typical(conn, step // 2, orders)
        showcase = _subject(conn, customer_no=SHOWCASE_CUSTOMER_NO)
    return Subjects(orders, warmup, measured, showcase)
