"""Workers and the scheduler under faults: both outlive a Redis outage and are back at work
when it returns; killing a worker's process group ends its work horse; a task whose run was
killed (whole worker, or only its horse, which leaves rq's job ``scheduled`` for a late retry)
runs again once the service clock passes its lease and one outbox sweep runs."""

from __future__ import annotations

import os
import signal
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
from workflows.queueing import connect, job_id, sweep_outbox

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
    time.sleep(3)  # a short outage
    assert worker.poll() is None and scheduler.poll() is None  # waiting, not gone
    redis.start()  # an empty Redis, as after a restart without persistence

    wait_until(lambda: status(services, during) == "done", 60,
               "the worker to sweep and run the task committed during the outage")
    wait_until(lambda: bool(get_cron_job_ids("sweep_outbox", connection)), 60,
               "the scheduler to enqueue periodic jobs again")
    after = add(services, "test_slow", "after")
    wait_until(lambda: status(services, after) == "done", 60, "the worker to take new jobs")
    assert worker.poll() is None and scheduler.poll() is None


def test_killing_a_workers_group_ends_its_horse_and_the_task_runs_after_its_lease(
        setup: tuple[WorkerRig, Any]) -> None:
    rig, _ = setup
    services, procs, markers = rig.services, rig.procs, rig.markers
    clock = Clock()
    worker = procs.start("worker")
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
    procs.start("worker")
    wait_until(lambda: status(services, task_id) == "done", 60, "the task to run again")
    assert outcomes(services, task_id) == ["abandoned", "ok"]
    assert not (markers / f"{task_id}.done.1").exists()  # the first run never finished


def test_a_task_whose_horse_was_killed_is_not_left_to_rqs_late_retry(
        setup: tuple[WorkerRig, Any]) -> None:
    from rq.job import Job

    rig, redis = setup
    services, procs, markers = rig.services, rig.procs, rig.markers
    clock = Clock()
    worker = procs.start("worker")
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
