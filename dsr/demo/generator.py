"""Build the demo shop: tables, realistic German customers and the web server's access logs.

``build_demo_shop`` is idempotent: the finished build leaves a summary in the ``demo_build``
table, and a second call on the same database writes nothing and returns that summary.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection

from dsr.demo import shop_schema as schema
from dsr.demo.access_logs import berlin, write_access_logs
from dsr.demo.cast import Cast
from dsr.demo.context import LOG_DAYS, Visit
from dsr.demo.rows import DemoRows
from dsr.demo.sessions import visits_for
from dsr.demo.showcase import SHOWCASE

ROWS_PER_INSERT = 1000
CUSTOMERS_PER_BATCH = 500
BUILD_HOUR = time(9, 0)  # the build's "now" is 09:00 Berlin time on the build day


@dataclass(frozen=True)
class DemoShopSummary:
    """What a build holds, and the showcase customers that docs and tests can name."""

    seed: int
    today: date
    customers: int
    orders: int
    invoices: int
    counts: Mapping[str, int] = field(hash=False)
    sample_customer_name: str
    sample_customer_email: str
    sample_customer_no: str
    sample_third_party_name: str
    recipient_customer_email: str
    recipient_customer_no: str
    shared_ip: str
    shared_ip_customer_emails: tuple[str, str]
    b2b_contact_email: str
    b2b_company_name: str
    collection_customer_email: str
    log_files: tuple[Path, ...] = ()
    log_lines: int = 0
    created: bool = field(default=True, compare=False)

    @property
    def now(self) -> datetime:
        """The build's reference moment as naive UTC (the newest log line is before it)."""
        return reference_time(self.today)

    def to_json(self) -> str:
        """The stored form (without log files and the ``created`` flag)."""
        data = asdict(self)
        for key in ("log_files", "log_lines", "created"):
            data.pop(key)
        data["today"] = self.today.isoformat()
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> DemoShopSummary:
        """Read the stored form back."""
        data: dict[str, Any] = json.loads(raw)
        data["today"] = date.fromisoformat(data["today"])
        data["shared_ip_customer_emails"] = tuple(data["shared_ip_customer_emails"])
        return cls(**data)


def reference_time(today: date) -> datetime:
    """09:00 in Berlin on *today*, as naive UTC: the moment the generated history ends."""
    local = datetime.combine(today, BUILD_HOUR, berlin())
    return local.astimezone(UTC).replace(tzinfo=None)


def build_demo_shop(url: str, customers: int = 3000, seed: int = 2026,
                    log_dir: Path | None = None,
                    progress: Callable[[int], None] | None = None, *,
                    today: date) -> DemoShopSummary:
    """Create and fill the demo shop at *url*, deterministic for *seed* and *today*.

    If the database already holds a finished demo shop, nothing is written and its summary is
    returned (with ``created=False``). *progress* is called after each batch with the number
    of customers it added (an increment, as click's ``ProgressBar.update`` takes it). With
    *log_dir*, the rotated access logs are written there unless ``access.log`` exists already.
    """
    engine = create_engine(url)
    try:
        summary = _stored_summary(engine)
        visits: list[Visit] | None = None
        if summary is None:
            rows = DemoRows(customers, seed, reference_time(today))
            summary = _write(engine, rows, seed, today, progress)
            visits = rows.visits
        if log_dir is not None:
            since = summary.now - timedelta(days=LOG_DAYS)
            if visits is None and not (log_dir / "access.log").exists():
                visits = load_visits(engine, since)
            logs = write_access_logs(log_dir, visits or [], summary.now, summary.seed,
                                     anonymous_visits=summary.customers * 3 // 2)
            summary = replace(summary, log_files=logs.files, log_lines=logs.lines)
        return summary
    finally:
        engine.dispose()


def _stored_summary(engine: Engine) -> DemoShopSummary | None:
    """The summary of a finished build, or None if the database holds no shop yet."""
    inspector = inspect(engine)
    if inspector.has_table(schema.demo_build.name):
        with engine.connect() as conn:
            raw = conn.scalar(select(schema.demo_build.c.value)
                              .where(schema.demo_build.c.key == "summary"))
        if raw is not None:
            return replace(DemoShopSummary.from_json(raw), created=False)
    if inspector.has_table(schema.customers.name):
        with engine.connect() as conn:
            if conn.scalar(select(func.count()).select_from(schema.customers)):
                raise RuntimeError("the database holds customers but no finished demo shop; "
                                   "use an empty database")
    return None


def _write(engine: Engine, rows: DemoRows, seed: int, today: date,
           progress: Callable[[int], None] | None) -> DemoShopSummary:
    """Create the tables and insert every batch and the summary in one transaction."""
    schema.metadata.create_all(engine)
    schema.build_metadata.create_all(engine)
    counts: Counter[str] = Counter()
    with engine.begin() as conn:
        for added, batch in rows.batches(CUSTOMERS_PER_BATCH):
            for table in schema.metadata.sorted_tables:
                data = batch.rows.get(table.name, [])
                for start in range(0, len(data), ROWS_PER_INSERT):
                    conn.execute(table.insert(), data[start:start + ROWS_PER_INSERT])
                counts[table.name] += len(data)
            if progress is not None:
                progress(added)
        summary = _summary(rows.cast, seed, today, counts)
        conn.execute(schema.demo_build.insert(), [{"key": "summary", "value": summary.to_json()}])
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn)
    return summary


def _advance_sequences(conn: Connection) -> None:
    """Ids were given explicitly; move PostgreSQL's sequences past them for later inserts."""
    for table in schema.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def _summary(cast: Cast, seed: int, today: date, counts: Mapping[str, int]) -> DemoShopSummary:
    people = cast.people
    sample, recipient = people[SHOWCASE.sample], people[SHOWCASE.recipient]
    first, second = (people[i] for i in SHOWCASE.shared_ip_pair)
    return DemoShopSummary(
        seed=seed, today=today, customers=counts["customers"], orders=counts["orders"],
        invoices=counts["invoices"],
        counts={t.name: counts[t.name] for t in schema.metadata.sorted_tables},
        sample_customer_name=sample.full_name, sample_customer_email=sample.email,
        sample_customer_no=sample.customer_no,
        sample_third_party_name=SHOWCASE.third_party_name,
        recipient_customer_email=recipient.email, recipient_customer_no=recipient.customer_no,
        shared_ip=SHOWCASE.shared_ip, shared_ip_customer_emails=(first.email, second.email),
        b2b_contact_email=people[SHOWCASE.b2b_contact].email,
        b2b_company_name=SHOWCASE.company_name,
        collection_customer_email=people[SHOWCASE.collection].email,
    )


def load_visits(engine: Engine, since: datetime) -> list[Visit]:
    """Rebuild the log visits from the sessions, searches and orders stored in the shop."""
    sessions, searches, orders = schema.sessions, schema.search_history, schema.orders
    early = since - timedelta(days=1)
    with engine.connect() as conn:
        found = [r._mapping for r in conn.execute(
            select(searches).where(searches.c.searched_at >= early))]
        placed = [r._mapping for r in conn.execute(
            select(orders.c.customer_id, orders.c.ordered_at, orders.c.order_no)
            .where(orders.c.ordered_at >= early))]
        rows = [r._mapping for r in conn.execute(
            select(sessions).where(sessions.c.ended_at >= since).order_by(sessions.c.id))]
    return visits_for(rows, found, placed, since)
