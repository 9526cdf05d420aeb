"""rq plumbing in one place: the Redis connection, queues by concern, enqueueing task rows after
the commit, the job function workers run, and the periodic jobs' scheduler.

The database stays the source of truth: an rq job carries only a task id (job id
``task-<id>``, so a second enqueue of a waiting job is a no-op), and a task whose enqueue failed
because Redis was down is still a pending row that the outbox sweep enqueues once Redis is back.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from connectors.capabilities import DataMapped, capable
from dsr.reconnect import MAX_WAIT_SECONDS
from workflows.models import Task
from workflows.outbox import QUEUES, NewTask
from workflows.retry import RetryClock

if TYPE_CHECKING:
    from rq.queue import EnqueueData

    from dsr.context import Services

log = logging.getLogger(__name__)

RESULT_TTL = 3600
"""Seconds rq keeps a finished job (the task row is the record that lasts)."""
FAILURE_TTL = 7 * 86400
"""Seconds rq keeps a failed job for a look at its traceback."""


@dataclass(frozen=True)
class WorkerServices:
    """What a ``dsr worker`` hands to the jobs it runs: its services (built and preloaded once,
    in the worker before any job) and the queues it works on (a finished task's next task is
    run on in the same job only if it belongs to one of them)."""

    services: Services
    queues: tuple[str, ...] = QUEUES


#: Bound by :meth:`ServicesWorker.perform_job` for the length of one rq job, and only then.
_running: ContextVar[WorkerServices | None] = ContextVar("dsr_worker_services", default=None)


@contextmanager
def running_with(holder: WorkerServices) -> Iterator[WorkerServices]:
    """Run the block as a job of the worker that owns ``holder`` (tests, and the workers)."""
    token = _running.set(holder)
    try:
        yield holder
    finally:
        _running.reset(token)


def current() -> WorkerServices:
    """The running job's worker's services; an error outside a job of ``dsr worker``."""
    holder = _running.get()
    if holder is None:
        raise RuntimeError("rq job outside `dsr worker`: no services configured")
    return holder


class ServicesWorker:
    """Mixed into rq's worker classes: the worker owns its :class:`WorkerServices` and binds
    them while it performs a job (in the forked work horse, or in the worker itself).

    It also records a warm shutdown request (SIGTERM/SIGINT) whether it came during a job or
    while idle (rq keeps a flag only for the former), so that ``dsr.reconnect`` stops instead
    of starting a new worker; and it waits for an unreachable Redis at most as long as the
    documented back-off (rq's own dequeue loop would wait up to 60 s)."""

    max_connection_wait_time = MAX_WAIT_SECONDS

    def __init__(self, *args: Any, holder: WorkerServices, **kwargs: Any) -> None:
        self.holder = holder
        #: A SIGTERM/SIGINT asked this worker to stop (see :func:`dsr.reconnect.run_worker`).
        self.shutdown_requested = False
        super().__init__(*args, **kwargs)

    def handle_warm_shutdown_request(self) -> None:
        self.shutdown_requested = True
        super().handle_warm_shutdown_request()  # type: ignore[misc]

    def perform_job(self, job: Job, queue: Queue, *args: Any, **kwargs: Any) -> bool:
        with running_with(self.holder):
            return super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]

    def unsubscribe(self) -> None:
        """End the pubsub thread at once when the worker stops. rq unsubscribes first and only
        then tells the thread to stop: the thread, woken by the unsubscribe reply, goes back to
        waiting for a subscription (up to rq's 60 s) and the stop waits for it, so a worker
        took up to a minute to end after its last job or a SIGTERM. With the thread's run flag
        cleared first, the reply ends its loop."""
        thread = getattr(self, "pubsub_thread", None)
        running = getattr(thread, "_running", None)  # redis-py's PubSubWorkerThread flag
        if running is not None:
            running.clear()
        super().unsubscribe()  # type: ignore[misc]


class ForkingWorker(ServicesWorker, Worker):
    """rq's default: each job in a forked work horse (which inherits what the worker loaded)."""


class InProcessWorker(ServicesWorker, SimpleWorker):
    """Each job in the worker process itself: no fork, warm connection pools and caches."""


def make_rq_worker(holder: WorkerServices, *, fork: bool, **kwargs: Any) -> Worker | SimpleWorker:
    """An rq worker of the chosen kind that owns ``holder``."""
    cls: type[ForkingWorker] | type[InProcessWorker] = ForkingWorker if fork else InProcessWorker
    return cls(holder=holder, **kwargs)


def connect(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def job_id(task_id: int) -> str:
    return f"task-{task_id}"


class RqDispatcher:
    """Enqueues committed task rows on their rq queue; Redis errors leave them in the outbox."""

    def __init__(self, services: Services, connection: Redis) -> None:
        self.services = services
        self.connection = connection
        self.queues = {name: Queue(name, connection=connection) for name in QUEUES}

    def retry_policy(self, attempts: int, max_attempts: int) -> Retry | None:
        """rq's wake-ups for a task that has made ``attempts`` attempts: the retry clock's
        (``workflows.retry``), None when its next attempt is its last."""
        intervals = RetryClock.of(self.services.config.tasks).wake_ups(attempts, max_attempts)
        return Retry(max=len(intervals), interval=intervals) if intervals else None

    def __call__(self, task_ids: list[int]) -> None:
        if not task_ids:
            return
        with self.services.db.session() as session:
            rows = session.execute(select(Task.id, Task.queue, Task.attempts, Task.max_attempts)
                                   .where(Task.id.in_(task_ids))).all()
        try:
            for task_id, queue, attempts, max_attempts in rows:
                self.enqueue(task_id, queue, attempts, max_attempts)
        except RedisError as exc:
            log.warning("Redis unavailable (%s): %d task(s) stay in the outbox",
                        type(exc).__name__, len(rows))

    def new_tasks(self, tasks: list[NewTask]) -> None:
        """Enqueue the tasks a commit inserted, all in one round trip to Redis: their ids are
        new, so no job of them can be waiting and nothing is read first (neither the rows nor
        the jobs). Redis errors leave them in the outbox, as :meth:`__call__` does."""
        by_queue: dict[str, list[EnqueueData]] = {}
        for task in tasks:
            name = task.queue if task.queue in self.queues else "connectors"
            by_queue.setdefault(name, []).append(Queue.prepare_data(
                run_task_job, (task.task_id,), job_id=job_id(task.task_id),
                retry=self.retry_policy(0, task.max_attempts),
                timeout=self.services.config.tasks["lease_seconds"], result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL))
        try:
            with self.connection.pipeline() as pipe:
                for name, datas in by_queue.items():
                    self.queues[name].enqueue_many(datas, pipeline=pipe)
                pipe.execute()
        except RedisError as exc:
            log.warning("Redis unavailable (%s): %d task(s) stay in the outbox",
                        type(exc).__name__, len(tasks))

    def enqueue(self, task_id: int, queue: str, attempts: int = 0, max_attempts: int = 5) -> None:
        """Enqueue one task unless its job is already waiting (deterministic job id);
        ``attempts`` made so far of its ``max_attempts`` (the row's) set rq's retries."""
        try:
            existing = Job.fetch(job_id(task_id), connection=self.connection)
        except NoSuchJobError:
            existing = None
        if existing is not None:
            # Only a job that sits in its queue will run soon: one that rq scheduled for a
            # later retry (or deferred) waits for rq's scheduler, which may be long or never.
            if existing.get_status(refresh=False) == JobStatus.QUEUED:
                return
            existing.delete()
        self.queues.get(queue, self.queues["connectors"]).enqueue(
            run_task_job, task_id, job_id=job_id(task_id), retry=self.retry_policy(attempts, max_attempts),
            job_timeout=self.services.config.tasks["lease_seconds"], result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL)


class TaskNotDoneYet(Exception):
    """Raised inside the rq job so that rq's Retry runs it again after the back-off."""


def run_task_job(task_id: int) -> str:
    """The rq job: run one task row (see ``workflows.runner.run_task``)."""
    from workflows.runner import run_chain

    holder = current()
    services = holder.services
    with services.db.session() as session:
        task = session.get(Task, task_id)
        wait = (task.run_after - services.clock.now()).total_seconds() if task is not None else 0
    if 0 < wait <= 5:  # rq's retry fired a moment before our back-off ends
        time.sleep(wait)
    # The tasks this one makes due (the request's next phase) run on in this job, as long as
    # half the job's time is left: a round trip through Redis and a free worker saved per phase.
    status = run_chain(services, task_id, queues=holder.queues,
                       budget_seconds=services.config.tasks["lease_seconds"] / 2)
    if status == "pending":
        raise TaskNotDoneYet(f"task {task_id} will be retried")
    return status


def sweep_outbox(services: Services, now: datetime | None = None) -> int:
    """Release tasks whose worker died (lease run out by ``now``) and enqueue every due task
    (Redis may have been down)."""
    from workflows import outbox

    with services.db.session() as session:
        released = outbox.release_expired_leases(session, now)
        ids = outbox.due_task_ids(session, limit=500)
    if released:
        log.info("released %d task(s) whose worker stopped", released)
    services.dispatch(ids)
    return len(ids)


def run_periodic(name: str) -> object:
    """The rq job of one entry of ``workflows.schedule.SCHEDULE``."""
    from workflows.schedule import BY_NAME

    return BY_NAME[name].resolve()(current().services)


def install_fork_safety(services: Services) -> None:
    """rq forks a work horse per job: the child must not share the parent's pooled connections."""

    def _after_fork_in_child() -> None:
        services.db.engine.dispose(close=False)
        for connector in services.built_connectors():
            mapped = capable(connector, DataMapped)
            if mapped is not None:
                mapped.engine.dispose(close=False)

    os.register_at_fork(after_in_child=_after_fork_in_child)
    os.register_at_fork(after_in_child=die_with_parent)


def die_with_parent() -> None:
    """Let a forked child (rq's work horse, which moves to a process group of its own) be
    killed when the worker dies, so that killing the worker's group ends its work too."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)

