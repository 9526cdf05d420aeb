"""Benchmark: access requests through real ``dsr worker`` processes (rq on Redis, PostgreSQL),
one worker and two, beside the same requests run in-process.

    python -m bench.rq_path --shop-url postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_shop \\
        --redis-url redis://127.0.0.1:6379/14 --requests 10 --write

Per set-up (in-process; ``dsr worker`` forking a work horse per job; ``dsr worker --no-fork``;
each with one and two workers) a fresh service database and Redis database: ``2 N`` requests
are submitted (discovery runs in the workers) and verified; one warm-up request per worker
goes to review (not counted). Then

- **per request**: N requests one after another, each timed from ``actions.process`` (the
  coordinator's click, committed) until the request is in *review* (collect and compile done,
  seen by polling the service database every 5 ms);
- **throughput**: the other N processed at once (one commit each), timed until all are in
  review: requests per second.

The workers' CPU time (their own and their reaped work horses', from ``/proc``) is read
around each part. Nothing here asserts a timing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import redis
import sqlalchemy as sa

from bench.build_shop import build_shop
from bench.common import SECRET, create_database
from bench.machine import describe, load_average
from bench.stages import grouped, top_functions
from bench.subjects import Subject, pick_subjects
from dsr.audit import ensure_head
from dsr.config import load_config
from dsr.context import Services
from dsr.migrate import upgrade
from dsr.requests import intake
from dsr.requests import operations as actions
from dsr.requests.models import Request
from workflows.runner import run_pending
from workflows.states import State

ROOT = Path(__file__).resolve().parents[1]
SHOP_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_rq_shop"
SERVICE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_rq_service"
REDIS_URL = "redis://127.0.0.1:6379/14"
DATA_DIR = Path(tempfile.gettempdir()) / "dsr-bench-rq-path"
CUSTOMERS = 20_000
CONNECTORS = ["shop"]
POLL_SECONDS = 0.005
TARGET_PER_REQUEST = 1.5  # rq per request within 1.5x of in-process
TARGET_SCALING = 1.8  # two workers >= 1.8x the throughput of one
MARK_START, MARK_END = "<!-- rq_path:start -->", "<!-- rq_path:end -->"


@dataclass(frozen=True)
class Setup:
    """One way of running the tasks."""

    label: str
    workers: int  # 0: in the benchmark process (``run_pending``)
    fork: bool = True

    @property
    def key(self) -> str:
        if not self.workers:
            return "in-process"
        return f"{'fork' if self.fork else 'no-fork'}-{self.workers}"


SETUPS = (
    Setup("in-process (`run_pending`, as bench.access_request)", 0),
    Setup("`dsr worker`, 1 worker (fork per job)", 1, True),
    Setup("`dsr worker`, 2 workers (fork per job)", 2, True),
    Setup("`dsr worker --no-fork`, 1 worker", 1, False),
    Setup("`dsr worker --no-fork`, 2 workers", 2, False),
)


@dataclass
class Figures:
    """What one set-up measured."""

    setup: Setup
    per_request: list[float] = field(default_factory=list)
    batch_seconds: float = 0.0
    batch_requests: int = 0
    cpu_per_request: float = 0.0  # workers' (or the benchmark's) CPU, sequential part
    load: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.per_request)

    @property
    def throughput(self) -> float:
        return self.batch_requests / self.batch_seconds if self.batch_seconds else 0.0


def write_config(path: Path, shop_url: str, service_url: str, redis_url: str, data_dir: Path,
                 backend: str) -> Path:
    path.write_text(f"""
[service]
data_dir = "{data_dir}"
database_url = "{service_url}"
secret_key = "{SECRET}"
[tasks]
backend = "{backend}"
redis_url = "{redis_url if backend == 'rq' else ''}"
backoff_seconds = 0
[connectors.shop]
kind = "shop_sql"
url = "{shop_url}"
label = {{ de = "Shop-Datenbank", en = "Shop database" }}
""", encoding="utf-8")
    return path


class Workers:
    """``dsr worker`` processes, each leading its own process group."""

    def __init__(self, config: Path, count: int, fork: bool) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DSR_CONFIG": str(config)}
        command = [sys.executable, "-m", "dsr.cli", "worker", "--fork" if fork else "--no-fork"]
        self.procs = [subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                      for _ in range(count)]

    def wait_ready(self, connection: redis.Redis, timeout: float = 120) -> None:
        from rq import Worker

        deadline = time.monotonic() + timeout
        while len(Worker.all(connection=connection)) < len(self.procs):
            if any(p.poll() is not None for p in self.procs):
                raise click.ClickException("a `dsr worker` ended while starting")
            if time.monotonic() > deadline:
                raise click.ClickException("the workers did not register with Redis")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        """CPU time of the workers and their reaped children (work horses)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for proc in self.procs:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        return total / ticks

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class Poll:
    """How many of some requests are in a state, on a connection of its own (autocommit)."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.conn = self.engine.connect()
        self.query = sa.text("SELECT count(*) FROM requests WHERE id = ANY(:ids) AND status = :s")

    def count(self, ids: list[int], state: str) -> int:
        return int(self.conn.execute(self.query, {"ids": ids, "s": state}).scalar() or 0)

    def until(self, ids: list[int], states: tuple[str, ...], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while sum(self.count(ids, s) for s in states) < len(ids):
            if time.monotonic() > deadline:
                raise click.ClickException(f"timed out waiting for {what}")
            time.sleep(POLL_SECONDS)

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def _submit(services: Services, subject: Subject) -> int:
    submission = intake.Submission(types=["access"], name=subject.name, email=subject.email,
                                   channel="form", received_at=datetime.now(UTC))
    with services.db.session() as session:
        return intake.submit(session, submission, calendar=services.calendar,
                             connectors=CONNECTORS).id


def _verify(services: Services, request_ids: list[int]) -> None:
    with services.db.session() as session:
        for request_id in request_ids:
            request = session.get(Request, request_id)
            assert request is not None
            if "shop" not in (request.subject_keys or {}):
                raise click.ClickException(f"discovery did not find request {request_id}")
            if request.status == State.AWAITING_VERIFICATION:
                actions.verify(session, request, actor="bench", method="manual")


def _process(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        actions.process(session, request, actor="bench", connectors=CONNECTORS)


def measure(setup: Setup, subjects: list[Subject], warmups: list[Subject], shop_url: str,
            service_url: str, redis_url: str, data_dir: Path) -> Figures:
    """One set-up: fresh databases, warm-up, N one after another, N at once."""
    create_database(service_url, fresh=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    config = write_config(data_dir / "config.toml", shop_url, service_url, redis_url, data_dir,
                          "rq" if setup.workers else "thread")
    services = Services(load_config(config, env={}))
    upgrade(services.db.engine)
    with services.db.session() as session:
        ensure_head(session)
    poll = Poll(service_url)
    workers = Workers(config, setup.workers, setup.fork) if setup.workers else None
    figures = Figures(setup)
    try:
        if workers:
            workers.wait_ready(connection)

        def run_here() -> None:
            if not workers:
                run_pending(services)

        ids = [_submit(services, s) for s in [*warmups, *subjects]]
        run_here()
        poll.until(ids, (State.AWAITING_VERIFICATION.value, State.VERIFIED.value), 120,
                   "discovery")
        _verify(services, ids)
        warm, sequential, batch = (ids[:len(warmups)], ids[len(warmups):len(warmups) + len(subjects) // 2],
                                   ids[len(warmups) + len(subjects) // 2:])
        for request_id in warm:
            _process(services, request_id)
        run_here()
        poll.until(warm, (State.REVIEW.value,), 120, "the warm-up")

        cpu = workers.cpu_seconds() if workers else time.process_time()
        for request_id in sequential:
            started = time.perf_counter()
            _process(services, request_id)
            run_here()
            poll.until([request_id], (State.REVIEW.value,), 120, "a request's review")
            figures.per_request.append(time.perf_counter() - started)
        cpu = (workers.cpu_seconds() if workers else time.process_time()) - cpu
        figures.cpu_per_request = cpu / len(sequential)

        started = time.perf_counter()
        for request_id in batch:
            _process(services, request_id)
        run_here()
        poll.until(batch, (State.REVIEW.value,), 600, "the batch's review")
        figures.batch_seconds = time.perf_counter() - started
        figures.batch_requests = len(batch)
        figures.load = load_average()
    finally:
        if workers:
            workers.stop()
        poll.close()
        services.close()
    return figures


def profile_horse(shop_url: str, service_url: str, data_dir: Path, subject: Subject,
                  warmup: Subject) -> dict[str, Any]:
    """cProfile of what a forked work horse does for one request (process → review), the way
    ``dsr worker`` runs it: a parent that preloaded what the jobs need (and never ran a job
    itself) forks a child per task; each child runs the task under cProfile and writes its
    profile. Without Redis: the tasks are taken from the outbox in order."""
    import cProfile
    import pstats

    from dsr.cli.worker import preload
    from workflows import outbox, queueing
    from workflows.runner import run_task

    create_database(service_url, fresh=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    config = write_config(data_dir / "config.toml", shop_url, service_url, "", data_dir, "thread")
    services = Services(load_config(config, env={}))
    upgrade(services.db.engine)
    with services.db.session() as session:
        ensure_head(session)
    preload(services)
    queueing.install_fork_safety(services)
    profiles = data_dir / "profiles"
    profiles.mkdir()
    horse_seconds: list[float] = []

    def in_horses(record: bool) -> None:
        while True:
            with services.db.session() as session:
                ids = outbox.due_task_ids(session)
            if not ids:
                return
            for task_id in ids:
                started = time.perf_counter()
                pid = os.fork()
                if pid == 0:  # the work horse
                    profile = cProfile.Profile()
                    profile.enable()
                    run_task(services, task_id)
                    profile.disable()
                    if record:
                        profile.dump_stats(str(profiles / f"{task_id}.prof"))
                    os._exit(0)
                os.waitpid(pid, 0)
                if record:
                    horse_seconds.append(time.perf_counter() - started)

    try:
        ids = [_submit(services, s) for s in (warmup, subject)]
        in_horses(False)
        _verify(services, ids)
        _process(services, ids[0])  # the first request warms nothing in the parent: horses
        in_horses(False)
        _process(services, ids[1])
        in_horses(True)
    finally:
        services.close()
    files = sorted(str(p) for p in profiles.glob("*.prof"))
    combined = str(profiles / "combined.prof")
    pstats.Stats(*files).dump_stats(combined)
    return {"horses": len(files), "horse_seconds": sum(horse_seconds),
            "groups": grouped(combined)[:10],  # type: ignore[arg-type]
            "top": top_functions(combined, 12)}  # type: ignore[arg-type]


def run(shop_url: str = SHOP_URL, service_url: str = SERVICE_URL, redis_url: str = REDIS_URL,
        data_dir: Path = DATA_DIR, requests: int = 10,
        customers: int = CUSTOMERS, only: tuple[str, ...] = (),
        profile: bool = True) -> dict[str, Any]:
    """Every set-up on the same subjects; the figures as plain data."""
    build_shop(shop_url, customers)
    engine = sa.create_engine(shop_url)
    try:
        chosen = pick_subjects(engine, 2 * requests + 2)
    finally:
        engine.dispose()
    subjects = list(chosen.measured)
    warmups, subjects = subjects[:2], subjects[2:]
    load_start = load_average()
    results: list[Figures] = []
    for setup in SETUPS:
        if only and setup.key not in only:
            continue
        click.echo(f"{setup.key} ...", err=True)
        results.append(measure(setup, subjects, warmups[:max(1, setup.workers)], shop_url,
                               service_url, redis_url, data_dir))
    horse = (profile_horse(shop_url, service_url, data_dir, subjects[0], warmups[0])
             if profile else None)
    return {"results": results, "requests": requests, "load": (load_start, load_average()),
            "horse": horse,
            "machine": describe(shop_url), "started": datetime.now(UTC)}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def markdown(data: dict[str, Any]) -> str:
    results: list[Figures] = data["results"]
    by_key = {f.setup.key: f for f in results}
    base = by_key.get("in-process")
    lines = [
        MARK_START,
        "## Access requests through `dsr worker` (rq on Redis, PostgreSQL)",
        "",
        f"Run {data['started']:%Y-%m-%d %H:%M} UTC by `python -m bench.rq_path` "
        f"(revision {data['machine'].get('dsr revision', '?')}); "
        f"{data['requests']} requests one after another (per request: process → review) and "
        f"{data['requests']} at once (throughput), per set-up; load average at start / end "
        f"{data['load'][0]} / {data['load'][1]}.",
        "",
        "| set-up | per request (median) | min | max | × in-process | workers' CPU per request "
        "| throughput | × one worker | load after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for f in results:
        ratio = f"{f.median / base.median:.2f}×" if base and f.setup.workers else ""
        one = by_key.get(f"{'fork' if f.setup.fork else 'no-fork'}-1")
        scaling = (f"{f.throughput / one.throughput:.2f}×"
                   if one and f.setup.workers == 2 and one.throughput else "")
        lines.append(
            f"| {f.setup.label} | {_ms(f.median)} | {_ms(min(f.per_request))} | "
            f"{_ms(max(f.per_request))} | {ratio} | {_ms(f.cpu_per_request)} | "
            f"{f.throughput:.2f} req/s | {scaling} | {f.load} |")
    lines += ["", f"Targets: per request within {TARGET_PER_REQUEST}× of in-process; two "
                  f"workers ≥ {TARGET_SCALING}× the throughput of one (2 cores).", ""]
    for key in ("fork", "no-fork"):
        one, two = by_key.get(f"{key}-1"), by_key.get(f"{key}-2")
        if base and one:
            slower = one.median / base.median
            cpu = one.cpu_per_request / base.cpu_per_request if base.cpu_per_request else 0.0
            lines.append(f"- `{key}`, per request: {slower:.2f}× in-process — "
                         f"{'met' if slower <= TARGET_PER_REQUEST else 'missed'} (CPU per "
                         f"request {cpu:.2f}× in-process, which other load disturbs less)")
        if one and two and one.throughput:
            scale = two.throughput / one.throughput
            lines.append(f"- `{key}`, two workers: {scale:.2f}× one — "
                         f"{'met' if scale >= TARGET_SCALING else 'missed'}")
    horse = data.get("horse")
    if horse:
        lines += ["", f"What a forked work horse spends for one request (cProfile of the "
                      f"{horse['horses']} horses of process → review, {_ms(horse['horse_seconds'])} "
                      "fork to exit under the profiler; own time by library):", "",
                  "| library | own time |", "| --- | ---: |",
                  *(f"| {name} | {_ms(sec)} |" for name, sec in horse["groups"]),
                  "", "| function | calls | own | cumulative |", "| --- | ---: | ---: | ---: |",
                  *(f"| `{fn}` | {calls} | {_ms(own)} | {_ms(cum)} |"
                    for fn, calls, own, cum in horse["top"])]
    lines += ["", MARK_END, ""]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Put the section into the results file, replacing this benchmark's earlier one."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        text = head + section.rstrip("\n") + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def run_into(shop_url: str, customers: int, results_file: Path, redis_url: str = REDIS_URL) -> None:
    """For ``bench.run_all``: measure on its shop and add the section to its results file."""
    section = markdown(run(shop_url=shop_url, redis_url=redis_url, customers=customers))
    click.echo(section)
    write_section(results_file, section)


@click.command()
@click.option("--shop-url", default=SHOP_URL, show_default=True,
              help="Built with --customers if it does not exist.")
@click.option("--customers", default=CUSTOMERS, show_default=True, type=click.IntRange(10))
@click.option("--service-url", default=SERVICE_URL, show_default=True,
              help="Dropped and created afresh per set-up.")
@click.option("--redis-url", default=REDIS_URL, show_default=True,
              help="Its database is emptied per set-up.")
@click.option("--requests", default=10, show_default=True, type=click.IntRange(2, 200))
@click.option("--only", multiple=True, help="Set-ups to run (in-process, fork-1, fork-2, "
              "no-fork-1, no-fork-2); all by default.")
@click.option("--profile/--no-profile", default=True, show_default=True,
              help="cProfile a forked work horse's share of one request.")
@click.option("--write", is_flag=True, help="Write the section into bench/RESULTS.md.")
def main(shop_url: str, customers: int, service_url: str, redis_url: str, requests: int,
         only: tuple[str, ...], profile: bool, write: bool) -> None:
    """Measure the rq path beside the in-process one and print the figures."""
    section = markdown(run(shop_url, service_url, redis_url, requests=requests,
                           customers=customers, only=only, profile=profile))
    click.echo(section)
    if write:
        write_section(Path(__file__).with_name("RESULTS.md"), section)


if __name__ == "__main__":
    main()
