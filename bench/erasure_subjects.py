"""Choosing customers to erase: each one once, never one the access benchmark reads.

An erasure changes the shop for good (the customer's e-mail address is anonymised, so the
customer can no longer be found), so every run takes customers that are still discoverable:
spread over the id range like the access subjects, with the median number of orders and at
least one invoice (the retention rules block invoice and order fields: the interesting case),
and skipping the access benchmark's subjects and the showcase customer. ``--rebuild`` gives back
the whole shop.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from bench.subjects import Subject

ANON_PREFIX = "anon-"  # connectors.shop_sql_execute.ANON_PREFIX: an anonymised e-mail address

_ORDERS_OF = "(SELECT count(*) FROM orders o WHERE o.customer_id = c.id)"
_HAS_INVOICE = ("EXISTS (SELECT 1 FROM invoices i JOIN orders o ON o.id = i.order_id "
                "WHERE o.customer_id = c.id)")
_CANDIDATE = sa.text(
    f"SELECT c.id, c.customer_no, c.first_name, c.last_name, c.email, {_ORDERS_OF} AS orders "
    f"FROM customers c WHERE c.id >= :target AND {_ORDERS_OF} = :orders AND {_HAS_INVOICE} "
    "AND c.email NOT LIKE :anon AND c.id <> ALL(:excluded) "
    # one e-mail address, one customer: discovery must find exactly this one
    "AND NOT EXISTS (SELECT 1 FROM customers d WHERE lower(trim(d.email)) = "
    "lower(trim(c.email)) AND d.id <> c.id) "
    "ORDER BY c.id LIMIT 1")


def pick_erasure_subjects(engine: sa.Engine, count: int, orders: int,
                          excluded: Collection[int]) -> list[Subject]:
    """``count + 1`` customers (the first is the warm-up) not erased yet, one per slice of the
    id range, skipping ``excluded`` ids. Raises when the shop has run out of them."""
    chosen: list[Subject] = []
    with engine.connect() as conn:
        customers = int(conn.scalar(sa.text("SELECT max(id) FROM customers")) or 0)
        step = max(1, customers // (count + 1))
        skip = list(excluded)
        for k in range(count + 1):
            row = conn.execute(_CANDIDATE, {"target": step * k + step // 3, "orders": orders,
                                            "anon": ANON_PREFIX + "%",
                                            "excluded": skip}).first()
            if row is None:
                raise LookupError("no customer left to erase in this slice; rebuild the shop "
                                  "(python -m bench.run_all --rebuild)")
            skip.append(row.id)
            chosen.append(Subject(row.id, row.customer_no, f"{row.first_name} {row.last_name}",
                                  row.email, row.orders))
    return chosen
