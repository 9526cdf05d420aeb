"""Running tasks: the one ``run_task`` used by every backend, and the embedded worker thread.

The rq backend (production) enqueues ``run_task`` by task id after the commit; the embedded
default runs the same function on a thread that polls the outbox. Either way a task is
claimed atomically, every attempt is recorded, failures are retried with exponential back-off
(``workflows.retry``)
and a task whose worker died is picked up again once its lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from dsr.clock import BERLIN
from workflows import outbox
from workflows.models import Task, TaskAttempt, TaskStatus
from workflows.results import TaskResult
from workflows.retry import RetryClock

if TYPE_CHECKING:
    from dsr.context import Services
    from workflows.jobs import NotReady

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_task(services: Services, task_id: int, worker: str | None = None) -> str:
    """Claim and run one task; returns its status afterwards. Safe to call twice."""
    ran = _run_task(services, task_id, worker)
    services.dispatch(ran.next_ids)
    return ran.status


@dataclass(frozen=True)
class _Claim:
    """A task moved to running (lease, attempt row) by a transaction that has committed."""

    task_id: int
    kind: str
    attempt_id: int


@dataclass(frozen=True)
class _Ran:
    """What running one task left: its status, the tasks it made due (to dispatch), and the
    first of them when it was claimed in the same commit (to run next, here)."""

    status: str
    next_ids: list[int] = field(default_factory=list)
    handed: _Claim | None = None
    due_ids: list[int] | None = None
    """With ``look_further``: the other tasks due now that the finishing commit found (None:
    it did not look)."""


CHAIN_LIMIT = 50
"""At most this many tasks run on one after another in one :func:`run_chain`."""


def run_chain(services: Services, task_id: int, *, queues: Collection[str],
              budget_seconds: float, worker: str | None = None) -> str:
    """Run one task, then the tasks of its request that it made due, one after another in
    this call instead of a round trip each through the queue; returns the first task's status.

    Each chained task is a row committed before it runs (the phase before committed it, as
    every task is), and it is claimed — lease and attempt row — in the same commit that
    finishes the task before it, so it is never run unclaimed and a worker that dies leaves
    it to the lease as any other. Of the tasks one finish makes due the first runs on here
    and the others go to the dispatcher at once, so that idle workers take a phase's other
    connectors in parallel. A task outside ``queues`` (the worker does not work on it), one
    another worker claimed first, one that ends pending (retry or outside wait) and all of
    them once ``budget_seconds`` have passed go to the dispatcher. Nothing that waits for a
    person is chained: those tasks are added by the person's action, not made due by a task.
    """
    started = time.monotonic()

    def go_on(chained: int) -> bool:
        return chained < CHAIN_LIMIT and time.monotonic() - started < budget_seconds

    ran = _run_task(services, task_id, worker, queues=queues, hand_over=go_on(0))
    first, chained = ran.status, 0
    while ran.handed is not None:
        services.dispatch(ran.next_ids)
        chained += 1
        handed = ran.handed
        ran = _run_task(services, handed.task_id, worker, queues=queues, claimed=handed,
                        hand_over=go_on(chained))
        if ran.status == TaskStatus.PENDING.value:  # due for a retry: the dispatcher's job
            services.dispatch([handed.task_id])
    services.dispatch(ran.next_ids)
    return first


def _claim(session: Session, task_id: int, worker: str, lease: timedelta,
           queues: Collection[str] | None) -> _Claim | None:
    """Claim the task and add its attempt row in ``session`` (committed by the caller)."""
    claimed = outbox.claim_task(session, task_id, worker, lease, queues)
    if claimed is None:
        return None
    kind, number = claimed
    attempt = TaskAttempt(task_id=task_id, number=number, worker=worker)
    session.add(attempt)
    session.flush()
    return _Claim(task_id, kind, attempt.id)


def _run_task(services: Services, task_id: int, worker: str | None,
              queues: Collection[str] | None = None, *, claimed: _Claim | None = None,
              hand_over: bool = False, look_further: bool = False) -> _Ran:
    """:func:`run_task` without the dispatch. With ``queues`` only a task on one of them is
    claimed; ``claimed``: the task was claimed already (handed over by the one before it);
    ``hand_over``: claim the first task this one makes due in the commit that finishes it;
    ``look_further`` (with ``hand_over``): when it makes none due, look in that commit for any
    task due now (the next look at the outbox, without a transaction of its own) and claim
    the first."""
    # The jobs and what they use (reportlab, pypdf, the letters, ...) load with the first task,
    # not when ``dsr serve`` starts: an idle web process stays small.
    from workflows.jobs import JOBS, NotReady

    worker = worker or worker_name()
    lease = timedelta(seconds=services.config.tasks["lease_seconds"])
    if claimed is None:
        with services.db.session() as session:
            claimed = _claim(session, task_id, worker, lease, queues)
            if claimed is None:
                task = session.get(Task, task_id)
                return _Ran(task.status if task else "missing")
    kind, attempt_id = claimed.kind, claimed.attempt_id

    error: str | None = None
    next_ids: list[int] = []
    handed: _Claim | None = None
    due_ids: list[int] | None = None
    session = services.db.sessionmaker()
    try:
        task, held = services.load_task(session, task_id)  # ``held``: until the commit
        result = JOBS[kind](services, session, task)
    except NotReady as waiting:
        session.rollback()
        session.close()
        return _Ran(_record_waiting(services, task_id, attempt_id, waiting))
    except Exception as exc:  # noqa: BLE001 - recorded on the task, never swallowed
        session.rollback()
        error = f"{type(exc).__name__}: {exc}"
        log.warning("task %s (%s) failed: %s", task_id, kind, type(exc).__name__)
        log.debug("task %s traceback:\n%s", task_id, traceback.format_exc())
    else:
        task.status = TaskStatus.DONE.value
        stored = TaskResult.from_job(result)
        task.result = None if stored is None else stored.to_json()
        task.finished_at = services.clock.now()
        task.lease_until = None
        task.last_error = None
        session.execute(update(TaskAttempt).where(TaskAttempt.id == attempt_id)
                        .values(outcome="ok", finished_at=services.clock.now())
                        .execution_options(synchronize_session=False))
        session.flush()
        # In the same transaction: complete the request if this was its last task, and find
        # the tasks of the next phase that this one unblocked (the container knows how); the
        # first of them is claimed here too when it is to run next in this worker.
        if task.request_id is not None:
            next_ids = services.task_finished(session, task.request_id)
        if hand_over and next_ids:
            handed = _claim(session, next_ids[0], worker, lease, queues)
            if handed is not None:
                next_ids = next_ids[1:]
        elif hand_over and look_further:
            # run_pending gave the dead workers' tasks back when it started looking
            handed, due_ids = _look_and_claim(session, worker, lease, release=False)
        session.commit()
    finally:
        session.close()

    if error is not None:
        return _Ran(_record_failure(services, task_id, attempt_id, error))
    return _Ran(TaskStatus.DONE.value, next_ids, handed, due_ids)


def _look_and_claim(session: Session, worker: str, lease: timedelta, *,
                    release: bool = True) -> tuple[_Claim | None, list[int]]:
    """In ``session``: give back the tasks of dead workers (unless ``release`` is false: the
    caller did a moment ago), find the tasks due now and claim the first that is still
    claimable; returns that claim and the other due ids (the claim is committed by the
    caller, before the task runs)."""
    if release:
        outbox.release_expired_leases(session)
    ids = outbox.due_task_ids(session)
    for index, task_id in enumerate(ids):
        claimed = _claim(session, task_id, worker, lease, None)
        if claimed is not None:
            return claimed, ids[index + 1:]
    return None, []


def _record_waiting(services: Services, task_id: int, attempt_id: int, waiting: NotReady) -> str:
    """The outside system is not done yet: back to pending, due again after the wait; the
    attempt is given back. Returns ``waiting`` (not a task status: the task row says pending)."""
    with services.db.session() as session:
        task = session.get(Task, task_id)
        attempt = session.get(TaskAttempt, attempt_id)
        assert task is not None and attempt is not None
        attempt.outcome, attempt.finished_at, attempt.error = "waiting", services.clock.now(), waiting.why
        task.status, task.lease_until, task.worker = TaskStatus.PENDING.value, None, None
        task.attempts = max(0, task.attempts - 1)
        task.last_error = None
        TaskResult.waiting_for(waiting.why).store_on(task)
        task.run_after = services.clock.now() + timedelta(seconds=max(1, waiting.seconds))
    return "waiting"


def _record_failure(services: Services, task_id: int, attempt_id: int, error: str) -> str:
    """Record a failed attempt: retry later with back-off, or give up (the rule:
    ``workflows.retry``); returns the status."""
    with services.db.session() as session:
        task = session.get(Task, task_id)
        attempt = session.get(TaskAttempt, attempt_id)
        assert task is not None and attempt is not None
        attempt.outcome, attempt.finished_at, attempt.error = "error", services.clock.now(), error
        task.last_error, task.lease_until, task.worker = error, None, None
        retry = RetryClock.of(services.config.tasks)
        if retry.gives_up(task.attempts, task.max_attempts):
            task.status = TaskStatus.FAILED.value
            task.finished_at = services.clock.now()
        else:
            task.status = TaskStatus.PENDING.value
            task.run_after = services.clock.now() + retry.delay(task.attempts)
        return task.status


def run_pending(services: Services, limit: int = 1000) -> int:
    """Run every task that is due now, in order, until none is left; returns how many ran.

    The tasks a finished task made due (the next phase) run right after it, as the next look
    at the outbox would have found them. The look at the outbox claims the first task it
    finds in its own commit, and once nothing more is queued the commit that finishes a task
    looks and claims too, so a look costs no transaction of its own: every task is still
    claimed (lease, attempt row) in a committed transaction before it runs. The tasks of dead
    workers are given back at the call's own looks, not at every finishing commit.
    """
    ran = 0
    worker = worker_name()
    lease = timedelta(seconds=services.config.tasks["lease_seconds"])
    queued: deque[int] = deque()
    seen: set[int] = set()
    handed: _Claim | None = None
    looked = False  # the last commit looked at the outbox and found nothing more due
    while ran < limit:
        if handed is None and not queued:
            if looked:
                return ran
            with services.db.session() as session:
                handed, ids = _look_and_claim(session, worker, lease)
            if handed is None:
                return ran
            queued, seen = deque(ids), {handed.task_id, *ids}
        more = ran + 1 < limit  # claim a next task only if it may still run here
        if handed is not None:
            done = _run_task(services, handed.task_id, worker, claimed=handed, hand_over=more,
                             look_further=not queued)
        else:
            done = _run_task(services, queued.popleft(), worker, hand_over=more,
                             look_further=not queued)
        services.dispatch(done.next_ids)
        ran += 1
        handed = done.handed
        if handed is not None and handed.task_id in queued:
            queued.remove(handed.task_id)
        fresh = [task_id for task_id in [*done.next_ids, *(done.due_ids or ())]
                 if task_id not in seen]
        queued.extend(fresh)
        seen.update(fresh)
        if handed is not None:
            seen.add(handed.task_id)
        looked = done.due_ids is not None and handed is None
    return ran


class ThreadWorker:
    """The embedded default's worker: one daemon thread polling the outbox."""

    def __init__(self, services: Services, poll_seconds: float = 1.0) -> None:
        self.services = services
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dsr-worker", daemon=True)

    def start(self) -> None:
        self.services.dispatch = lambda ids: self._wake.set()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        from workflows.schedule import SCHEDULE

        # The loop itself sweeps the outbox; the other periodic jobs run when they fall due.
        entries = [e for e in SCHEDULE if e.name != "sweep_outbox"]
        next_run = {e.name: e.next_after(self.services.clock.now().astimezone(BERLIN)) for e in entries}
        while not self._stop.is_set():
            try:
                run_pending(self.services)
                now = self.services.clock.now().astimezone(BERLIN)
                for entry in entries:
                    if next_run[entry.name] <= now:
                        next_run[entry.name] = entry.next_after(now)
                        entry.resolve()(self.services)
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a bad moment
                log.error("worker loop error (%s); going on", type(exc).__name__)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

