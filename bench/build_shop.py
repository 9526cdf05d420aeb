"""Build the demo shop on PostgreSQL with COPY, at benchmark size (100,000 customers in minutes).

    python -m bench.build_shop --customers 100000 --url postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_shop

The rows are those of ``dsr demo`` (:class:`dsr.demo.rows.DemoRows`), streamed with COPY in one
transaction together with the ``demo_build`` summary, so ``build_demo_shop`` recognises the
result as a finished demo shop. Then the lookup indexes a real shop would have are added (the
expressions the shop connector's identifier search uses), and the tables are vacuumed and
analysed. Idempotent: a database that already holds a finished build of the same size is left
alone (its lookup indexes are still ensured).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from operator import itemgetter

import click
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.schema import AddConstraint, DropConstraint, ForeignKeyConstraint

from bench.common import CUSTOMERS, SHOP_URL, create_database
from dsr.demo import shop_schema as schema
from dsr.demo.generator import _stored_summary, _summary, reference_time
from dsr.demo.rows import DemoRows

CUSTOMERS_PER_BATCH = 2000
SEED = 2026
BUILD_RECORD = "bench_build"  # key of this module's own row in demo_build (the summary's is "summary")

#: Indexes on the expressions the shop connector compares (connectors/sql_paths.matches_value:
#: ``lower(trim(col))`` for e-mail, ``trim(col)`` for customer number and postcode), so that
#: discover and the recipient read are index lookups, not scans.
LOOKUP_INDEXES = {
    "ix_customers_email_lookup": "customers (lower(trim(email)))",
    "ix_customers_customer_no_lookup": "customers (trim(customer_no))",
    "ix_addresses_postcode_lookup": "addresses (trim(postcode))",
    "ix_orders_recipient_email_lookup": "orders (lower(trim(recipient_email)))",
}


@dataclass
class BuildReport:
    """What a build did and how long each phase took (seconds)."""

    customers: int
    created: bool
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string (``postgresql://...``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def build_shop(url: str = SHOP_URL, customers: int = CUSTOMERS, seed: int = SEED,
               today: date | None = None, progress: bool = True) -> BuildReport:
    """Create (if needed) and fill the shop at ``url``; a finished build of that size is kept."""
    started = time.perf_counter()
    create_database(url)
    engine = sa.create_engine(url)
    try:
        stored = _stored_summary(engine)
        if stored is not None and stored.customers != customers:
            raise click.ClickException(
                f"{make_url(url).database} holds a shop of {stored.customers} customers, not "
                f"{customers}; drop the database or choose another URL")
        schema.metadata.create_all(engine)
        schema.build_metadata.create_all(engine)
    finally:
        engine.dispose()
    report = BuildReport(customers=customers, created=stored is None)
    report.seconds["create"] = time.perf_counter() - started
    with psycopg.connect(libpq_url(url)) as conn:
        if stored is None:
            _load(conn, customers, seed, today or date.today(), report, progress)
        started = time.perf_counter()
        _lookup_indexes(conn)
        conn.commit()
        report.seconds["indexes"] = time.perf_counter() - started
        if report.created:
            started = time.perf_counter()
            conn.autocommit = True  # VACUUM runs outside a transaction
            conn.execute("VACUUM (ANALYZE)")
            report.seconds["vacuum_analyze"] = time.perf_counter() - started
            conn.execute("INSERT INTO demo_build (key, value) VALUES (%s, %s)",
                         (BUILD_RECORD, json.dumps(asdict(report))))
    return report


def build_record(url: str) -> BuildReport | None:
    """How the shop at ``url`` was built by this module (None if it was not)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            raw = conn.scalar(sa.select(schema.demo_build.c.value)
                              .where(schema.demo_build.c.key == BUILD_RECORD))
    except sa.exc.ProgrammingError:  # no demo_build table
        return None
    finally:
        engine.dispose()
    return BuildReport(**json.loads(raw)) if raw else None


def _load(conn: psycopg.Connection, customers: int, seed: int, today: date,
          report: BuildReport, progress: bool) -> None:
    """Generate and COPY every batch, the sequences and the summary, in one transaction.

    The foreign keys are dropped for the load and added again afterwards, as pg_restore does:
    one check per constraint instead of a trigger per row (a quarter of the build's time).
    """
    started = time.perf_counter()
    rows = DemoRows(customers, seed, reference_time(today))
    report.seconds["plan_cast"] = time.perf_counter() - started
    tables = schema.metadata.sorted_tables
    foreign_keys = [constraint for table in tables for constraint in table.constraints
                    if isinstance(constraint, ForeignKeyConstraint)]
    for constraint in foreign_keys:
        conn.execute(_ddl(DropConstraint(constraint)))
    counts: Counter[str] = Counter()
    generate = copy = 0.0
    with click.progressbar(length=customers, label="shop (COPY)", file=sys.stderr,
                           hidden=not progress) as bar:
        batches = rows.batches(CUSTOMERS_PER_BATCH)
        while True:
            tick = time.perf_counter()
            item = next(batches, None)
            tock = time.perf_counter()
            generate += tock - tick
            if item is None:
                break
            added, batch = item
            for table in tables:
                data = batch.rows.get(table.name)
                if data:
                    _copy(conn, table, data)
                    counts[table.name] += len(data)
            copy += time.perf_counter() - tock
            bar.update(added)
    started = time.perf_counter()
    for constraint in foreign_keys:
        conn.execute(_ddl(AddConstraint(constraint)))
    report.seconds["foreign_keys"] = time.perf_counter() - started
    started = time.perf_counter()
    _advance_sequences(conn)
    summary = _summary(rows.cast, seed, today, counts)
    conn.execute("INSERT INTO demo_build (key, value) VALUES ('summary', %s)",
                 (summary.to_json(),))
    conn.commit()
    report.seconds.update(generate=generate, copy=copy, commit=time.perf_counter() - started)
    report.counts = dict(counts)
    report.rows = sum(counts.values())


def _ddl(statement: sa.schema.ExecutableDDLElement) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))


def _copy(conn: psycopg.Connection, table: sa.Table, data: list[dict[str, object]]) -> None:
    """Stream one table's rows of a batch with COPY (text format, psycopg's C dumpers)."""
    names = [column.name for column in table.columns]
    values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    with conn.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in data:
            copy.write_row(values(row))


def _advance_sequences(conn: psycopg.Connection) -> None:
    """Ids were given explicitly; move the sequences past them (as the generator does)."""
    for table in schema.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)")


def _lookup_indexes(conn: psycopg.Connection) -> None:
    conn.execute("SET maintenance_work_mem = '256MB'")
    for name, target in LOOKUP_INDEXES.items():
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


@click.command()
@click.option("--customers", default=CUSTOMERS, show_default=True, type=click.IntRange(10))
@click.option("--url", default=SHOP_URL, show_default=True, help="The shop's PostgreSQL URL.")
@click.option("--seed", default=SEED, show_default=True, type=int)
def main(customers: int, url: str, seed: int) -> None:
    """Build the benchmark shop (idempotent) and print what the build took."""
    report = build_shop(url, customers, seed)
    if not report.created:
        click.echo(f"shop at {make_url(url).database} already holds {customers} customers; "
                   f"lookup indexes ensured in {report.total_seconds:.1f} s")
        return
    click.echo(f"built {customers} customers, {report.rows} rows in "
               f"{report.total_seconds:.1f} s")
    for phase, seconds in report.seconds.items():
        click.echo(f"  {phase:15} {seconds:8.1f} s")


if __name__ == "__main__":
    main()
