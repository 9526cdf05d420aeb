"""The baseline: hand-written, indexed SQL for one customer's rows and a bare reportlab PDF.

One query per table the data map gives the shop connector, each joined to the customer by id
along the shortest path (order lines, invoices, shipments and payments through
``orders.customer_id``), plus one for orders the customer only received. The columns are the data
map's, so the rows are exactly those dsr's shop connector reads. The PDF is a ``SimpleDocTemplate`` with one plain ``Table`` per table,
no styling. No encryption, no storage, no audit trail, no workflow: the floor for the work.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from connectors.datamap import load_datamap
from dsr.config import DEMO_DIR

_BY_CUSTOMER = "t WHERE t.customer_id = %(id)s"
_BY_ORDER = "t JOIN orders o ON o.id = t.order_id WHERE o.customer_id = %(id)s"

#: FROM ... WHERE for each table, written by hand (``t`` is the table itself).
FROM_WHERE: dict[str, str] = {
    "customers": "t WHERE t.id = %(id)s",
    "companies": "t JOIN customers c ON c.company_id = t.id WHERE c.id = %(id)s",
    "addresses": _BY_CUSTOMER,
    "payment_methods": _BY_CUSTOMER,
    "orders": _BY_CUSTOMER,
    "order_items": _BY_ORDER,
    "invoices": _BY_ORDER,
    "shipments": _BY_ORDER,
    "payment_transactions": _BY_ORDER,
    "credit_checks": _BY_CUSTOMER,
    "collection_cases": _BY_CUSTOMER,
    "wishlist_items": _BY_CUSTOMER,
    "cart_items": _BY_CUSTOMER,
    "reviews": _BY_CUSTOMER,
    "newsletter_subscriptions": _BY_CUSTOMER,
    "consents": _BY_CUSTOMER,
    "sweepstakes_entries": _BY_CUSTOMER,
    "questionnaire_answers": _BY_CUSTOMER,
    "search_history": _BY_CUSTOMER,
    "sessions": _BY_CUSTOMER,
    "service_emails": _BY_CUSTOMER,
}
#: Other people's orders delivered to the customer (indexed expression, see build_shop).
RECIPIENT = ("orders t WHERE lower(trim(t.recipient_email)) = lower(trim(%(email)s)) "
             "AND t.customer_id <> %(id)s")


@dataclass(frozen=True)
class BaselineQuery:
    """One hand-written statement and the labels of its columns."""

    table: str
    sql: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class BaselineRun:
    """One baseline answer: seconds spent, rows read, PDF pages written."""

    seconds: float
    sql_seconds: float
    rows: int
    pages: int
    statements: int


def queries(connector: str = "shop") -> list[BaselineQuery]:
    """The statements for the tables the demo data map gives ``connector`` (what dsr's
    connector reads), columns in the map's order."""
    datamap = load_datamap(DEMO_DIR / "datamap.toml")
    built = []
    for table in datamap.tables_for(connector):
        name = table.name
        if name not in FROM_WHERE:
            raise KeyError(f"no hand-written baseline query for table {name!r}")
        from_where = FROM_WHERE[name]
        names = [column.name for column in table.columns]
        order = ", ".join(f"t.{key}" for key in table.key)
        select = ", ".join(f"t.{column}" for column in names)
        built.append(BaselineQuery(name, f"SELECT {select} FROM {name} {from_where} "
                                         f"ORDER BY {order}", tuple(names)))
        if table.recipient is not None:
            fields = ", ".join(f"t.{column}" for column in table.recipient.fields)
            built.append(BaselineQuery(f"{name} (recipient)",
                                       f"SELECT {fields} FROM {RECIPIENT} ORDER BY {order}",
                                       table.recipient.fields))
    return built


def fetch(conn: psycopg.Connection, plan: list[BaselineQuery], customer_id: int,
          email: str) -> list[tuple[BaselineQuery, list[tuple[Any, ...]]]]:
    """Run every statement in one transaction; the rows per statement."""
    params = {"id": customer_id, "email": email}
    with conn.transaction(), conn.cursor() as cursor:
        found = []
        for query in plan:
            cursor.execute(query.sql, params)
            found.append((query, cursor.fetchall()))
    return found


def render(found: list[tuple[BaselineQuery, list[tuple[Any, ...]]]]) -> tuple[bytes, int]:
    """A bare PDF: a heading and one unstyled table per non-empty table; bytes and page count."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4)
    heading = getSampleStyleSheet()["Heading3"]
    story: list[Any] = []
    for query, rows in found:
        if not rows:
            continue
        width = doc.width / len(query.columns)
        data = [list(query.columns)] + [["" if v is None else str(v) for v in row] for row in rows]
        story += [Paragraph(query.table, heading),
                  Table(data, colWidths=[width] * len(query.columns), repeatRows=1)]
    doc.build(story)
    return buffer.getvalue(), doc.page


def run(conn: psycopg.Connection, plan: list[BaselineQuery], customer_id: int,
        email: str) -> BaselineRun:
    """Time one baseline answer for the customer: the reads and the PDF."""
    started = time.perf_counter()
    found = fetch(conn, plan, customer_id, email)
    read = time.perf_counter()
    _, pages = render(found)
    done = time.perf_counter()
    return BaselineRun(seconds=done - started, sql_seconds=read - started,
                       rows=sum(len(rows) for _, rows in found), pages=pages,
                       statements=len(plan))
