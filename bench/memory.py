"""Benchmark: resident memory of ``dsr serve`` and ``dsr worker`` (VmRSS and VmHWM from /proc).

    python -m bench.memory

(a) ``dsr serve`` on the embedded default (waitress + the worker thread) against the bench
databases: memory after start-up, after a few page loads (``/``, ``/login``), and after its worker
thread has answered one access request (collect + compile). (b) ``dsr worker`` on rq (Redis db
14, flushed first): memory after start-up and after it processed one access request; rq forks a
work horse per job, whose peak is sampled while it runs. Printed beside the competitor's 390 MB.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from redis import Redis
from sqlalchemy import select

from bench.access_request import WAITING
from bench.common import (
    COMPETITOR,
    DATA_DIR,
    REDIS_URL,
    SERVICE_URL,
    SHOP_URL,
    bench_config,
    bench_env,
    create_database,
)
from bench.proc import ChildPeakSampler, memory_mb
from bench.subjects import pick_subjects
from dsr.audit import ensure_head
from dsr.context import Services
from dsr.migrate import upgrade
from dsr.requests import intake
from dsr.requests import operations as actions
from dsr.requests.models import Request
from workflows.models import Task
from workflows.states import State

SETTLE_SECONDS = 1.0
TIMEOUT_SECONDS = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def dsr_process(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``dsr <args>`` as a child process; it is stopped (by its pid) when the block ends."""
    log = (cwd / f"dsr-{args[0]}.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "dsr.cli", *args], cwd=cwd, stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, **env})
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait(predicate: Callable[[], bool], what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not predicate():
        if proc.poll() is not None:
            raise click.ClickException(f"{what}: the dsr process exited ({proc.returncode})")
        if time.monotonic() > deadline:
            raise click.ClickException(f"{what}: no result after {TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.05)


def _get(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local server
            response.read()
            return bool(response.status == 200)
    except OSError:
        return False


def _status(services: Services, request_id: int) -> tuple[str, bool]:
    """The request's status, and whether none of its tasks is still to run."""
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        waiting = session.scalar(select(Task.id).where(
            Task.request_id == request_id, Task.status.in_(("pending", "running"))).limit(1))
        return request.status, waiting is None


def access_request(services: Services, proc: subprocess.Popen[bytes]) -> None:
    """Submit, verify and process one access request; the process under test runs its tasks."""
    subject = pick_subjects(services.connectors["shop"].engine, 1).measured[0]
    submission = intake.Submission(types=["access"], name=subject.name, email=subject.email,
                                   channel="form", received_at=datetime.now(UTC))
    with services.db.session() as session:
        request_id = intake.submit(session, submission, calendar=services.calendar,
                                   connectors=["shop"]).id
    _wait(lambda: _status(services, request_id) in {(s, True) for s in WAITING},
          "discovery", proc)
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        if request.status == State.AWAITING_VERIFICATION:
            actions.verify(session, request, actor="bench", method="manual")
        actions.process(session, request, actor="bench", connectors=["shop"])
    _wait(lambda: _status(services, request_id)[0] == State.REVIEW, "processing", proc)


def _services(shop_url: str, service_url: str, data_dir: Path, **tasks: str) -> Services:
    """Services on a fresh, migrated service database (the process under test shares it)."""
    create_database(service_url, fresh=True)
    services = Services(bench_config(shop_url, service_url, data_dir, **tasks))
    upgrade(services.db.engine)
    with services.db.session() as session:
        ensure_head(session)
    return services


def measure_web(shop_url: str, service_url: str, data_dir: Path) -> dict[str, Any]:
    """``dsr serve`` (embedded default): after start-up, after page loads, after one request."""
    services = _services(shop_url, service_url, data_dir)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = bench_env(shop_url, service_url, data_dir)
    try:
        with dsr_process(["serve", "--port", str(port)], env, data_dir) as proc:
            _wait(lambda: _get(f"{base}/login"), "start-up", proc)
            time.sleep(SETTLE_SECONDS)
            started = memory_mb(proc.pid)
            for _ in range(5):
                _get(f"{base}/")
                _get(f"{base}/login")
            time.sleep(SETTLE_SECONDS)
            pages = memory_mb(proc.pid)
            access_request(services, proc)
            time.sleep(SETTLE_SECONDS)
            answered = memory_mb(proc.pid)
    finally:
        services.close()
    return {"started": started, "pages": pages, "answered": answered}


def measure_worker(shop_url: str, service_url: str, data_dir: Path,
                   redis_url: str = REDIS_URL) -> dict[str, Any]:
    """``dsr worker`` (rq): after start-up, and after it processed one access request."""
    Redis.from_url(redis_url).flushdb()
    services = _services(shop_url, service_url, data_dir, backend="rq", redis_url=redis_url)
    config = data_dir / "bench-rq.toml"
    config.write_text('[tasks]\nbackend = "rq"\n', encoding="utf-8")
    env = bench_env(shop_url, service_url, data_dir, DSR_REDIS_URL=redis_url,
                    DSR_CONFIG=str(config))
    redis = Redis.from_url(redis_url)
    try:
        with dsr_process(["worker"], env, data_dir) as proc:
            _wait(lambda: bool(redis.keys("rq:worker:*")), "start-up", proc)
            time.sleep(SETTLE_SECONDS)
            started = memory_mb(proc.pid)
            with ChildPeakSampler(proc.pid) as horses:
                access_request(services, proc)
                time.sleep(SETTLE_SECONDS)
            answered = memory_mb(proc.pid)
    finally:
        services.close()
        redis.close()
    return {"started": started, "answered": answered, "horse_peak": horses.peak_mb,
            "horses": len(horses.seen)}


def run(shop_url: str = SHOP_URL, service_url: str = SERVICE_URL,
        data_dir: Path = DATA_DIR, redis_url: str = REDIS_URL) -> dict[str, Any]:
    """Both measurements, one after the other (the web's worker thread would take rq's tasks)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return {"web": measure_web(shop_url, service_url, data_dir),
            "worker": measure_worker(shop_url, service_url, data_dir, redis_url),
            "competitor_idle_mb": COMPETITOR["idle_mb"]}


def memory_markdown(r: dict[str, Any]) -> str:
    """The figures as a Markdown table, in MB (10^6 bytes) like the competitor's figure."""
    web, worker, comp = r["web"], r["worker"], r["competitor_idle_mb"]

    def row(label: str, m: dict[str, float]) -> str:
        return (f"| {label} | {m['rss']:.0f} MB | {m['peak']:.0f} MB | "
                f"{m['rss'] / comp:.2f}× |")

    return "\n".join([
        "## Memory (resident set, from /proc/<pid>/status)",
        "",
        "| process, moment | VmRSS (idle) | VmHWM (peak so far) | idle / competitor's "
        f"{comp} MB |",
        "| --- | ---: | ---: | ---: |",
        row("`dsr serve` after start-up (one page load)", web["started"]),
        row("`dsr serve` after 10 page loads", web["pages"]),
        row("`dsr serve` after its worker thread answered one access request", web["answered"]),
        row("`dsr worker` (rq) after start-up", worker["started"]),
        row("`dsr worker` (rq) after one access request", worker["answered"]),
        f"| rq work horse (forked per job), sampled peak over {worker['horses']} jobs | | "
        f"{worker['horse_peak']:.0f} MB | |",
        "",
        "A work horse shares its parent's pages copy-on-write, so its RSS counts most of the "
        "parent's again; it exits after its job.",
    ]) + "\n"


@click.command()
@click.option("--shop-url", default=SHOP_URL, show_default=True)
@click.option("--service-url", default=SERVICE_URL, show_default=True,
              help="Dropped and created afresh.")
@click.option("--data-dir", default=str(DATA_DIR), show_default=True,
              type=click.Path(file_okay=False))
@click.option("--redis-url", default=REDIS_URL, show_default=True, help="Flushed first.")
def main(shop_url: str, service_url: str, data_dir: str, redis_url: str) -> None:
    """Measure the memory of the web and worker processes and print it."""
    click.echo(memory_markdown(run(shop_url, service_url, Path(data_dir), redis_url)))


if __name__ == "__main__":
    main()
