"""The task outbox: task rows are added in the caller's transaction and dispatched after commit.

The database is the source of truth. A dispatcher (worker thread or rq) is only told *after*
the commit which task ids are new, so a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol, runtime_checkable

from sqlalchemy import Integer, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from dsr.clock import clock_of
from workflows.models import Phase, Task, TaskAttempt, TaskKind, TaskStatus
from workflows.results import TaskResult

QUEUE_CONNECTORS = "connectors"
QUEUE_REPORTS = "reports"
QUEUE_MAIL = "mail"
QUEUES = (QUEUE_CONNECTORS, QUEUE_REPORTS, QUEUE_MAIL)

_NEW = "dsr_new_task_ids"
_INSERTED = "dsr_inserted_tasks"
FINISHED = (TaskStatus.DONE.value, TaskStatus.WAIVED.value)


@dataclass(frozen=True)
class NewTask:
    """A task row the committed transaction inserted, with what its dispatch needs: nothing is
    read back after the commit, and no job of it can exist yet (its id is new)."""

    task_id: int
    queue: str
    max_attempts: int


@runtime_checkable
class DispatchesNew(Protocol):
    """A dispatcher that takes the tasks a commit inserted as they are (rq: one round trip)."""

    def new_tasks(self, tasks: list[NewTask]) -> None: ...


def _inserted(session: Session, tasks: Iterable[Task]) -> None:
    session.info.setdefault(_INSERTED, []).extend(
        NewTask(task.id, task.queue, task.max_attempts) for task in tasks)


def add_task(session: Session, *, kind: TaskKind, request_id: int | None, connector: str = "",
             queue: str = QUEUE_CONNECTORS, phase: Phase = Phase.DISCOVER, round_: int = 0,
             max_attempts: int = 5) -> Task:
    """Add a task unless the same (request, kind, connector, round) exists; flushes.

    The deterministic key makes adding twice a no-op, which keeps jobs idempotent.
    """
    key = f"{request_id}:{kind}:{connector}:{round_}"
    task = session.scalars(select(Task).where(Task.dedupe_key == key)).first()
    if task is None:
        task = Task(dedupe_key=key, request_id=request_id, kind=kind, connector=connector,
                    queue=queue, phase=phase, max_attempts=max_attempts,
                    status=TaskStatus.PENDING.value, run_after=clock_of(session).now())
        session.add(task)
        session.flush()
        _inserted(session, [task])
    return task


@dataclass(frozen=True)
class TaskSpec:
    """One task a step starts: what :func:`add_task` takes besides the session and request."""

    kind: TaskKind
    connector: str = ""
    queue: str = QUEUE_CONNECTORS
    phase: Phase = Phase.DISCOVER
    round_: int = 0

    def key(self, request_id: int | None) -> str:
        """The de-duplication key (:func:`add_task`'s)."""
        return f"{request_id}:{self.kind}:{self.connector}:{self.round_}"


def tasks_of(session: Session, request_id: int) -> list[Task]:
    """Every task of the request, oldest first."""
    return list(session.scalars(select(Task).where(Task.request_id == request_id)
                                .order_by(Task.id)))


def add_tasks(session: Session, request_id: int, specs: Iterable[TaskSpec],
              known: Iterable[Task] | None = None) -> list[Task]:
    """:func:`add_task` for several tasks: their keys looked up in one statement (or among
    ``known``, every task of the request as :func:`tasks_of` read them in this transaction)
    and the new rows inserted in one flush; returns the tasks in the order of ``specs``."""
    wanted = {spec.key(request_id): spec for spec in specs}
    if not wanted:
        return []
    existing = known if known is not None else session.scalars(
        select(Task).where(Task.dedupe_key.in_(list(wanted))))
    found = {task.dedupe_key: task for task in existing if task.dedupe_key in wanted}
    now = clock_of(session).now()
    added = [Task(dedupe_key=key, request_id=request_id, kind=spec.kind,
                  connector=spec.connector, queue=spec.queue, phase=spec.phase,
                  max_attempts=5, status=TaskStatus.PENDING.value, run_after=now)
             for key, spec in wanted.items() if key not in found]
    if added:
        session.add_all(added)
        session.flush()
        _inserted(session, added)
    found.update((task.dedupe_key, task) for task in added)
    return [found[key] for key in wanted]


def add_first_tasks(session: Session, request_id: int,
                    tasks: Iterable[tuple[TaskKind, str, str]]) -> list[Task]:
    """The first tasks of a request created in this transaction, ``(kind, connector, queue)``
    each, added in one flush.

    :func:`add_task` looks each key up first; a request that did not exist before this
    transaction has no tasks, so there is nothing to look up, and the rows go to the database
    in one statement. The keys are those of :func:`add_task` (round 0), so adding one of them
    again later stays a no-op."""
    now = clock_of(session).now()
    added = [Task(dedupe_key=f"{request_id}:{kind}:{connector}:0", request_id=request_id,
                  kind=kind, connector=connector, queue=queue, phase=Phase.DISCOVER,
                  max_attempts=5, status=TaskStatus.PENDING.value, run_after=now)
             for kind, connector, queue in dict.fromkeys(tasks)]
    session.add_all(added)
    session.flush()
    _inserted(session, added)
    return added


def install_dispatch_hook(factory: sessionmaker[Session],
                          dispatch: Callable[[list[int]], None],
                          dispatch_new: Callable[[list[NewTask]], None]) -> None:
    """After each commit of a session from ``factory``, hand the task rows it inserted to
    ``dispatch_new`` as they are, and the ids of the other tasks it made due to ``dispatch``."""
    from sqlalchemy import event

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        inserted: list[NewTask] = session.info.pop(_INSERTED, None) or []
        ids: list[int] = session.info.pop(_NEW, None) or []
        if inserted:
            dispatch_new(inserted)
        fresh = {task.task_id for task in inserted}
        rest = [task_id for task_id in dict.fromkeys(ids) if task_id not in fresh]
        if rest:
            dispatch(rest)

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(_NEW, None)
        session.info.pop(_INSERTED, None)


def claimable(now_expr: object):  # type: ignore[no-untyped-def]
    """The condition for a pending task that may run now: due, and its earlier phases done."""
    earlier = aliased(Task)
    blocked = exists().where(and_(earlier.request_id == Task.request_id,
                                  earlier.phase < Task.phase,
                                  earlier.status.not_in(FINISHED)))
    return and_(Task.status == TaskStatus.PENDING.value,
                Task.run_after <= now_expr,
                ~blocked)


class _Statements:
    """The outbox's statements, built once (per process) with bound parameters: building the
    ``claimable`` condition costs more than the database needs to run it, and every task runs
    several of them. Each execution passes ``now`` and its own values."""

    def __init__(self) -> None:
        due = claimable(bindparam("now"))
        self.due = (select(Task.id).where(due, Task.queue.in_(bindparam("queues", expanding=True)))
                    .order_by(Task.phase, Task.id).limit(bindparam("limit", type_=Integer)))
        self.due_for_request = (select(Task.id).where(due, Task.request_id == bindparam("request"))
                                .order_by(Task.id))
        self.claim = (
            update(Task).where(Task.id == bindparam("task"), due)
            .values(status=TaskStatus.RUNNING.value, worker=bindparam("claimed_by"),
                    lease_until=bindparam("lease"), attempts=Task.attempts + 1)
            .execution_options(synchronize_session=False))
        self.claim_returning = self.claim.returning(Task.kind, Task.attempts)
        # The same, for a worker that takes only the tasks of its queues (a chained task).
        self.claim_on = self.claim.where(Task.queue.in_(bindparam("queues", expanding=True)))
        self.claim_on_returning = self.claim_on.returning(Task.kind, Task.attempts)
        self.stale = select(Task.id).where(
            Task.status == TaskStatus.RUNNING.value,
            or_(Task.lease_until.is_(None), Task.lease_until < bindparam("now")))


@cache
def _built() -> _Statements:
    """The statements, built on first use (they do not change afterwards)."""
    return _Statements()


def due_task_ids(session: Session, queues: Iterable[str] = QUEUES, limit: int = 50) -> list[int]:
    """Ids of tasks that may run now, oldest first."""
    return list(session.scalars(_built().due, {"now": clock_of(session).now(), "queues": list(queues),
                                               "limit": limit}))


def release_expired_leases(session: Session, now: datetime | None = None) -> int:
    """Tasks whose worker died mid-run (lease expired by ``now``, the service clock's instant)
    go back to pending; their open attempt is marked abandoned. Returns how many."""
    stale = list(session.scalars(_built().stale, {"now": now or clock_of(session).now()}))
    if not stale:
        return 0
    session.execute(update(TaskAttempt).where(TaskAttempt.task_id.in_(stale),
                                              TaskAttempt.outcome == "running")
                    .values(outcome="abandoned", finished_at=clock_of(session).now(),
                            error="worker stopped before finishing"))
    result = session.execute(
        update(Task).where(Task.id.in_(stale), Task.status == TaskStatus.RUNNING.value)
        .values(status=TaskStatus.PENDING.value, worker=None, lease_until=None,
                last_error="worker stopped before finishing; picked up again")
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _claim_params(session: Session, task_id: int, worker: str,
                  lease: timedelta) -> dict[str, object]:
    now = clock_of(session).now()
    return {"task": task_id, "now": now, "claimed_by": worker, "lease": now + lease}


def claim(session: Session, task_id: int, worker: str, lease: timedelta) -> bool:
    """Atomically move one claimable task to running; False if another worker was first."""
    result = session.execute(_built().claim, _claim_params(session, task_id, worker, lease))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_task(session: Session, task_id: int, worker: str, lease: timedelta,
               queues: Iterable[str] | None = None) -> tuple[str, int] | None:
    """:func:`claim`, returning the claimed task's kind and attempt number (None if another
    worker was first, or the task is not on one of ``queues`` when they are given): one
    statement where the database returns updated rows (PostgreSQL, SQLite), a claim and a
    read where it does not (MariaDB)."""
    params = _claim_params(session, task_id, worker, lease)
    built = _built()
    claim_, returning = built.claim, built.claim_returning
    if queues is not None:
        params["queues"] = list(queues)
        claim_, returning = built.claim_on, built.claim_on_returning
    if session.connection().dialect.update_returning:
        row = session.execute(returning, params).first()
        return (row[0], row[1]) if row is not None else None
    if not session.execute(claim_, params).rowcount:  # type: ignore[attr-defined]
        return None
    row = session.execute(select(Task.kind, Task.attempts).where(Task.id == task_id)).one()
    return row[0], row[1]


def due_task_ids_for_request(session: Session, request_id: int) -> list[int]:
    """The tasks of one request that have become claimable (after one of them finished)."""
    return list(session.scalars(_built().due_for_request,
                                {"now": clock_of(session).now(), "request": request_id}))


def retry(session: Session, task: Task) -> None:
    """Give a failed task a fresh set of attempts (the queue's retry button); flushes."""
    task.status = TaskStatus.PENDING.value
    task.attempts = 0
    task.run_after = clock_of(session).now()
    task.finished_at = None
    session.flush()
    session.info.setdefault(_NEW, []).append(task.id)


def make_due(session: Session, task: Task) -> None:
    """Run a pending task now rather than at its ``run_after`` (its outside system has
    answered); dispatched after the commit. Flushes."""
    if task.status != TaskStatus.PENDING.value:
        return
    task.run_after = clock_of(session).now()
    session.flush()
    session.info.setdefault(_NEW, []).append(task.id)


WAIVABLE = (TaskKind.DISCOVER, TaskKind.COLLECT, TaskKind.PLAN, TaskKind.EXECUTE)
"""Task kinds a coordinator may waive: one system's part of a request (a processor that never
answers, a system gone), never the request's own steps (compile, finalise, notices)."""


class WaiveRefused(ValueError):
    """The task cannot be waived; the message says why."""


def waive(session: Session, task: Task, reason: str) -> list[int]:
    """Waive an unfinished task of one system with the coordinator's reason (kept on the task);
    the request goes on without it. Returns the tasks this made claimable (dispatched after
    the commit). Flushes; the caller audits."""
    if task.kind not in WAIVABLE:
        raise WaiveRefused(f"a {task.kind} task cannot be waived")
    if task.status not in (TaskStatus.PENDING.value, TaskStatus.FAILED.value):
        raise WaiveRefused(f"a {task.status} task cannot be waived")
    if not reason.strip():
        raise WaiveRefused("a reason is needed to waive a task")
    task.status = TaskStatus.WAIVED.value
    TaskResult.waived_because(reason.strip()[:500]).store_on(task)
    task.finished_at = clock_of(session).now()
    task.lease_until = None
    session.flush()
    ready = due_task_ids_for_request(session, task.request_id) if task.request_id else []
    session.info.setdefault(_NEW, []).extend(ready)
    return ready
