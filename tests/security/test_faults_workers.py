"""Workers and the scheduler under faults: both outlive a Redis outage and are back at work
when it returns; killing a worker's process group ends its work horse; a task whose run was
killed (whole worker, or only its horse, which leaves rq's job ``scheduled`` for a late retry)
runs again once the service clock passes its lease and one outbox sweep runs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dsr.clock import Clock
from dsr.context import Services
from tests.support.waiting import wait_until
from tests.support.workers import WorkerRig, worker_rig
from workflows import outbox
from workflows.models import Task, TaskAttempt
from workflows.queueing import ForkingWorker, InProcessWorker, connect, job_id, sweep_outbox

LEASE_SECONDS = 300


@pytest.fixture
def setup(tmp_path: Path, pg_url: str, throwaway_redis: Any,
          demo_shop: dict[str, Any]) -> Iterator[tuple[WorkerRig, Any]]:
    with worker_rig(tmp_path, database_url=pg_url, redis_url=throwaway_redis.url,
                    shop_url=demo_shop["url"], lease_seconds=LEASE_SECONDS, backoff_seconds=600,
                    job_modules=("tests.security.hang_jobs", "tests.support.slow_jobs"),
                    env={"DSR_TEST_SLOW_SECONDS": "0.1"}, gently=False) as rig:
        yield rig, throwaway_redis


def status(services: Services, task_id: int) -> str:
    with services.db.session() as session:
        return str(session.get(Task, task_id).status)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody reaped counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def add(services: Services, kind: str, connector: str = "") -> int:
    with services.db.session() as session:
        return outbox.add_task(session, kind=kind, request_id=None, connector=connector).id


def outcomes(services: Services, task_id: int) -> list[str]:
    with services.db.session() as session:
        return list(session.scalars(select(TaskAttempt.outcome)
                                    .where(TaskAttempt.task_id == task_id)
                                    .order_by(TaskAttempt.number)))


def test_worker_and_scheduler_are_back_at_work_after_a_redis_outage(setup: tuple[WorkerRig, Any]) -> None:
    from rq.cron import get_cron_job_ids

    (rig, redis) = setup
    services, procs = rig.services, rig.procs
    worker, scheduler = procs.start("worker"), procs.start("scheduler")
    before = add(services, "test_slow", "before")
    wait_until(lambda: status(services, before) == "done", 60, "the worker to run a task")
    connection = connect(redis.url)
    wait_until(lambda: bool(get_cron_job_ids("sweep_outbox", connection)), 30,
               "the scheduler to enqueue its first sweep")

    redis.stop()
    during = add(services, "test_slow", "during")  # committed; its enqueue fails
    # Redis stays down until both have met the outage: the worker in rq's retry loop, and the
    # scheduler (asleep up to 30 s between its jobs) once its rq scheduler ended on it.
    wait_until(lambda: "could not connect to Redis" in procs.log(worker)
               or worker.poll() is not None, 60, "the worker to meet the outage")
    wait_until(lambda: "scheduler: Redis is not reachable" in procs.log(scheduler)
               or scheduler.poll() is not None, 60, "the scheduler to meet the outage")
    assert worker.poll() is None and scheduler.poll() is None  # waiting, not gone
    redis.start()  # an empty Redis, as after a restart without persistence

    wait_until(lambda: status(services, during) == "done", 60,
               "the worker to sweep and run the task committed during the outage")
    wait_until(lambda: bool(get_cron_job_ids("sweep_outbox", connection)), 60,
               "the scheduler to enqueue periodic jobs again")
    after = add(services, "test_slow", "after")
    wait_until(lambda: status(services, after) == "done", 60, "the worker to take new jobs")
    assert worker.poll() is None and scheduler.poll() is None


def _idle_worker(rig: WorkerRig) -> Any:
    """A `dsr worker` that has run one task and now waits for the next."""
    worker = rig.procs.start("worker")
    task_id = add(rig.services, "test_slow")
    wait_until(lambda: status(rig.services, task_id) == "done", 60, "the worker to run a task")
    return worker


def _stopped_by_sigterm(worker: Any) -> int | None:
    """SIGTERM to the worker's group, as systemd (KillMode=control-group) sends it; its exit
    status, or None when it still runs 5 s later."""
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        return int(worker.wait(timeout=5))
    except subprocess.TimeoutExpired:
        return None


def test_an_idle_worker_stops_on_sigterm(setup: tuple[WorkerRig, Any]) -> None:
    rig, _ = setup
    worker = _idle_worker(rig)
    started = time.monotonic()
    assert _stopped_by_sigterm(worker) == 0, rig.procs.log(worker)[-2000:]
    assert time.monotonic() - started < 5
    assert "reconnecting" not in rig.procs.log(worker)  # not taken for a Redis failure


def test_an_idle_worker_stops_on_sigterm_while_redis_is_down(
        setup: tuple[WorkerRig, Any]) -> None:
    rig, redis = setup
    worker = _idle_worker(rig)
    redis.stop()
    wait_until(lambda: "could not connect to Redis" in rig.procs.log(worker), 30,
               "the worker to meet the outage")
    assert _stopped_by_sigterm(worker) == 0, rig.procs.log(worker)[-2000:]


def test_rqs_own_back_off_is_capped_as_documented() -> None:
    """An idle worker waits for Redis in rq's retry loop (the dequeue), not dsr.reconnect's:
    its longest wait is the documented 30 s, not rq's 60 s."""
    from dsr.reconnect import MAX_WAIT_SECONDS

    assert MAX_WAIT_SECONDS == 30
    assert ForkingWorker.max_connection_wait_time == MAX_WAIT_SECONDS
    assert InProcessWorker.max_connection_wait_time == MAX_WAIT_SECONDS


def test_a_reconnect_leaves_no_thread_of_the_worker_before(throwaway_redis: Any) -> None:
    """rq's teardown fails on the dead Redis before it ends the worker's pubsub thread; the
    reconnect ends it, so a worker that met many outages does not carry a thread of each."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Queue

    from dsr.reconnect import Backoff, run_worker
    from workflows.queueing import WorkerServices

    connection = connect(throwaway_redis.url)
    made: list[Any] = []

    class LosesRedis(InProcessWorker):
        """The first of them loses Redis in its work loop (as between two jobs)."""

        def check_for_suspension(self, burst: bool) -> None:
            if len(made) == 1:
                throwaway_redis.stop()
                raise RedisConnectionError("Redis went away")
            super().check_for_suspension(burst)

    def make_worker() -> Any:
        made.append(LosesRedis(holder=WorkerServices(services=None),  # type: ignore[arg-type]
                               queues=[Queue("default", connection=connection)],
                               connection=connection, name=f"leak-test-{len(made)}"))
        return made[-1]

    class RedisComesBack(Backoff):
        def next(self) -> float:
            throwaway_redis.start()
            return 0.0

    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        run_worker(connection, make_worker, burst=True, on_reconnect=lambda: None,
                   backoff=RedisComesBack())
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert len(made) == 2  # one reconnect
    first = made[0].pubsub_thread
    wait_until(lambda: not first.is_alive(), 10, "the pubsub thread of the worker before to end")


def test_killing_a_workers_group_ends_its_horse_and_the_task_runs_after_its_lease(
        setup: tuple[WorkerRig, Any]) -> None:
    rig, _ = setup
    services, procs, markers = rig.services, rig.procs, rig.markers
    clock = Clock()
    worker = procs.start("worker", "--fork")  # a work horse per job
    task_id = add(services, "test_hang")
    wait_until(lambda: (markers / f"{task_id}.start.1").exists(), 60, "the task to start")
    horse = int((markers / f"{task_id}.start.1").read_text().split()[0])
    assert horse != worker.pid

    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    wait_until(lambda: not alive(horse), 10, "the work horse to end with its worker")

    assert sweep_outbox(services, now=clock.now()) == 0  # the lease still holds
    assert status(services, task_id) == "running"
    clock.advance(timedelta_seconds(LEASE_SECONDS + 1))
    assert sweep_outbox(services, now=clock.now()) == 1  # released and enqueued again
    procs.start("worker", "--fork")
    wait_until(lambda: status(services, task_id) == "done", 60, "the task to run again")
    assert outcomes(services, task_id) == ["abandoned", "ok"]
    assert not (markers / f"{task_id}.done.1").exists()  # the first run never finished


def test_a_task_whose_horse_was_killed_is_not_left_to_rqs_late_retry(
        setup: tuple[WorkerRig, Any]) -> None:
    from rq.job import Job

    rig, redis = setup
    services, procs, markers = rig.services, rig.procs, rig.markers
    clock = Clock()
    worker = procs.start("worker", "--fork")  # a work horse per job
    task_id = add(services, "test_hang")
    wait_until(lambda: (markers / f"{task_id}.start.1").exists(), 60, "the task to start")
    os.kill(int((markers / f"{task_id}.start.1").read_text().split()[0]), signal.SIGKILL)
    connection = connect(redis.url)

    def job_status() -> str:
        return str(Job.fetch(job_id(task_id), connection=connection).get_status().value)

    # The worker saw its horse die; rq's Retry keeps the job for the back-off (600 s).
    wait_until(lambda: job_status() == "scheduled", 30, "rq to schedule the retry")
    clock.advance(timedelta_seconds(LEASE_SECONDS + 1))
    assert sweep_outbox(services, now=clock.now()) == 1
    wait_until(lambda: status(services, task_id) == "done", 60, "the task to run again")
    assert outcomes(services, task_id) == ["abandoned", "ok"]
    assert worker.poll() is None


def timedelta_seconds(seconds: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=seconds)
