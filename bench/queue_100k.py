"""The coordinator's queue with 100,000 requests on PostgreSQL: the first page, the overdue
filter and a search by e-mail address, each timed over several runs (median and p95 beside
the 200 ms target).

A throw-away service database (``dsr_bench_queue``, dropped again unless ``--keep``) is
migrated with Alembic and filled with COPY: requests received over the last two years, most of
them closed, with name, e-mail and customer-number claims, a few coordinators as assignees and
notices waiting on recipients. Each measured call is what the queue page runs for it
(``dsr.requests.queue.fetch_page``: the rows, the count of all matching — of a search's, up to
``SEARCH_COUNT_CAP`` —, the names, the assignees, the requesters' reminders; the first page
also counts the deadline buckets).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.common import ADMIN_DATABASE, create_database
from dsr import migrate
from dsr.requests import queue, search
from dsr.requests.queue import QueueQuery
from workflows.states import OPEN_STATES

QUEUE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_queue"
REQUESTS = 100_000
TARGET_MS = 200.0
RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Queue with 100,000 requests"
SEED = 15
OPEN_SHARE = 0.15  # requests still open; the rest are closed (completed, rejected, withdrawn)
COORDINATORS = 5
TYPES = ("access", "erasure", "rectification", "objection", "portability", "restriction")
CHANNELS = ("form", "form", "form", "email", "email", "letter", "api", "phone", "fax")


def _copy(conn: psycopg.Connection, table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fill(url: str, count: int, today: date, seed: int) -> dict[str, Any]:
    """``count`` requests with their claims, users and waiting notices, by COPY; returns an
    e-mail address to search for and what the load took."""
    rng = random.Random(seed)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    open_states = sorted(s.value for s in OPEN_STATES)
    closed = ("completed", "completed", "completed", "rejected", "withdrawn")
    requests, claims, notices = [], [], []
    for i in range(1, count + 1):
        is_open = rng.random() < OPEN_SHARE
        # open requests are young (some past their deadline), closed ones spread over two years
        age = rng.randint(0, 40) if is_open else rng.randint(20, 730)
        received = now - timedelta(days=age, minutes=rng.randint(0, 1440))
        status = rng.choice(open_states) if is_open else rng.choice(closed)
        due = received.date() + timedelta(days=30)
        assignee = rng.randint(1, COORDINATORS) if is_open and rng.random() < 0.4 else None
        kinds = rng.sample(TYPES, 1 if rng.random() < 0.8 else 2)
        released = received + timedelta(days=20) if status == "completed" else None
        requests.append((i, f"DSR-{i:07d}", status, json.dumps(kinds), rng.choice(CHANNELS), "de",
                         received, due, released, assignee, received, received))
        claims += [(i, "name", f"Kundin {i} Beispiel"), (i, "email", f"Kunde.{i}@Example.org"),
                   (i, "customer_number", f"K-{i:06d}")]
        if status == "executing" and rng.random() < 0.5:
            notices.append((i, "shop", "newsletter", "email", "waiting"))
    started = time.perf_counter()
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)) as conn:
        _copy(conn, "users", ["id", "username", "password_hash", "role", "email", "language",
                              "active", "created_at"],
              [(u, f"koordinator{u}", "!", "coordinator", "", "de", True, now)
               for u in range(1, COORDINATORS + 1)])
        _copy(conn, "requests", ["id", "reference", "status", "types", "channel", "language",
                                 "received_at", "due_on", "released_at", "assignee_id",
                                 "created_at", "updated_at"], requests)
        _copy(conn, "identity_claims", ["request_id", "kind", "value"], claims)
        _copy(conn, "recipient_notices", ["request_id", "connector", "recipient", "channel",
                                          "status"], notices)
        for table in ("users", "requests", "identity_claims", "recipient_notices"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")
    wanted = count // 2 + 7
    return {"seconds": time.perf_counter() - started, "claims": len(claims),
            "notices": len(notices), "email": f"kunde.{wanted}@example.org",
            "open": sum(1 for r in requests if r[2] in open_states)}


def measure(call: Callable[[], Any], runs: int) -> dict[str, float]:
    """Wall time of ``call`` in ms over ``runs`` runs after one warm-up: median, p95, max."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"median": statistics.median(times), "p95": p95, "max": times[-1]}


def run(url: str, count: int, runs: int, seed: int) -> dict[str, Any]:
    today = date.today()
    create_database(url, fresh=True)
    engine = sa.create_engine(url)
    migrate.upgrade(engine)
    load = fill(url, count, today, seed)
    results: dict[str, Any] = {"load": load, "runs": runs, "count": count, "queries": {}}
    with Session(engine) as session:
        def page(query: QueueQuery, buckets: bool = False) -> Callable[[], Any]:
            def call() -> Any:
                found = queue.fetch_page(session, query, today=today, contents=True)
                if buckets:
                    queue.deadline_buckets(session, today)
                session.rollback()  # each run a fresh transaction, as each page load
                return found
            return call
        first = page(QueueQuery(), buckets=True)()
        overdue = page(QueueQuery(overdue=True))()
        searched = page(QueueQuery(search=load["email"].upper(), status=queue.ALL))()
        named = page(QueueQuery(search="Kundin 4711 ", status=queue.ALL))()
        everyone = page(QueueQuery(search="kundin", status=queue.ALL))()
        thousand = page(QueueQuery(search="kundin 12", status=queue.ALL))()
        many = page(QueueQuery(search="kundin 1", status=queue.ALL))()
        short = page(QueueQuery(search="zq", status=queue.ALL))()
        assert len(searched.rows) == 1, "the search must find exactly the one request"
        cases = {
            "queue, first page (open, by deadline) + deadline buckets": (
                page(QueueQuery(), buckets=True), first),
            "queue, next page (keyset)": (
                page(QueueQuery(after=first.next_cursor or "")), None),
            "filter: overdue": (page(QueueQuery(overdue=True)), overdue),
            "search: e-mail address (all statuses)": (
                page(QueueQuery(search=load["email"], status=queue.ALL)), searched),
            "search: part of a name (all statuses)": (
                page(QueueQuery(search="Kundin 4711 ", status=queue.ALL)), named),
            "search: a name part in 1,111 names (all statuses)": (
                page(QueueQuery(search="kundin 12", status=queue.ALL)), thousand),
            "search: a name part in 11,112 names (all statuses)": (
                page(QueueQuery(search="kundin 1", status=queue.ALL)), many),
            "search: two letters no name has (no trigram: every name is read)": (
                page(QueueQuery(search="zq", status=queue.ALL)), short),
            "search: a word every name has (all statuses; the worst case)": (
                page(QueueQuery(search="kundin", status=queue.ALL)), everyone),
        }
        for label, (call, found) in cases.items():
            results["queries"][label] = {**measure(call, runs),
                                         "rows": len(found.rows) if found else None,
                                         "total": found.total if found else None,
                                         "capped": found.capped if found else False}
    engine.dispose()
    return results


def markdown(results: dict[str, Any]) -> str:
    load = results["load"]
    lines = [
        f"{results['count']:,} requests ({load['open']:,} open), {load['claims']:,} claims, "
        f"{load['notices']:,} notices waiting on a recipient, loaded by COPY in "
        f"{load['seconds']:.1f} s; {results['runs']} runs per query after one warm-up.",
        "",
        "| query | rows shown / matching | median | p95 | max | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, m in results["queries"].items():
        shown = ""
        if m["rows"] is not None:
            shown = f"{m['rows']} / {'more than ' if m['capped'] else ''}{m['total']:,}"
        verdict = "under" if m["p95"] < TARGET_MS else "OVER"
        lines.append(f"| {label} | {shown} | {m['median']:.1f} ms | {m['p95']:.1f} ms | "
                     f"{m['max']:.1f} ms | {TARGET_MS:.0f} ms ({verdict}) |")
    lines += ["", "A name search first reads the ids it matches (reference, customer number, "
              f"names on the trigram index), no more than {search.BROAD_SEARCH + 1:,} in a queue "
              f"of up to {search.MEASURED_AT:,} requests (more in a larger one: the threshold "
              "grows with the square root of its size). Up to "
              f"{search.BROAD_SEARCH:,} the page and its count ask for those ids on the primary "
              "key; beyond (a word every name has), each request is asked in the page's order "
              "whether one of its names matches, and the page's LIMIT ends the walk. A search "
              f"counts its matches up to {queue.SEARCH_COUNT_CAP:,} and says \"more than\" "
              "beyond, so no search reads every match for its count. An e-mail address or "
              "customer number matches exactly one, on the claims' index."]
    return "\n".join(lines)


def write_section(table: str, path: Path = RESULTS) -> None:
    """Replace (or add) this benchmark's section of the results file, with the run's time and
    load."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (f"{SECTION}\n\nRun {stamp} by `python -m bench.queue_100k --write-results` "
               f"(load average before the run: {load}; the machine is shared). Each figure is "
               "one call of the queue page's query (`dsr.requests.queue.fetch_page`: rows, "
               "count, names, assignees, reminders) in a fresh transaction.\n\n" + table + "\n")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        # the section ends at the next heading or at another benchmark's marker before it
        ends = [i for i in (text.find("\n## ", start + len(SECTION)),
                            text.find("\n<!-- ", start + len(SECTION))) if i != -1]
        text = text[:start] + section + (text[min(ends) + 1:] if ends else "")
    path.write_text(text, encoding="utf-8")


def drop(url: str) -> None:
    admin = sa.create_engine(make_url(url).set(database=ADMIN_DATABASE),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@click.command()
@click.option("--url", default=QUEUE_URL, show_default=True,
              help="A throw-away PostgreSQL database (dropped and created again).")
@click.option("--requests", "count", default=REQUESTS, show_default=True, type=click.IntRange(100))
@click.option("--runs", default=20, show_default=True, type=click.IntRange(3))
@click.option("--seed", default=SEED, show_default=True, type=int)
@click.option("--keep", is_flag=True, help="Keep the database afterwards (to EXPLAIN by hand).")
@click.option("--write-results", is_flag=True,
              help=f"Also put the figures into {RESULTS.name} (its section {SECTION!r}).")
def main(url: str, count: int, runs: int, seed: int, keep: bool, write_results: bool) -> None:
    """Build the queue's database, time its queries and print them beside the target."""
    try:
        table = markdown(run(url, count, runs, seed))
        click.echo(table)
        if write_results:
            write_section(table)
    finally:
        if not keep:
            drop(url)


if __name__ == "__main__":
    main()
