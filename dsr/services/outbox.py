"""The task outbox: task rows are added in the caller's transaction and dispatched after commit.

The database is the source of truth. A dispatcher (worker thread or rq) is only told *after*
the commit which task ids are new, so a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from dsr.models import Task, TaskAttempt, TaskStatus, utcnow

QUEUE_CONNECTORS = "connectors"
QUEUE_REPORTS = "reports"
QUEUE_MAIL = "mail"
QUEUES = (QUEUE_CONNECTORS, QUEUE_REPORTS, QUEUE_MAIL)

_NEW = "dsr_new_task_ids"
FINISHED = (TaskStatus.DONE.value, TaskStatus.WAIVED.value)


def add_task(session: Session, *, kind: str, request_id: int | None, connector: str = "",
             queue: str = QUEUE_CONNECTORS, phase: int = 0, round_: int = 0,
             max_attempts: int = 5) -> Task:
    """Add a task unless the same (request, kind, connector, round) exists; flushes.

    The deterministic key makes adding twice a no-op, which keeps jobs idempotent.
    """
    key = f"{request_id}:{kind}:{connector}:{round_}"
    task = session.scalars(select(Task).where(Task.dedupe_key == key)).first()
    if task is None:
        task = Task(dedupe_key=key, request_id=request_id, kind=kind, connector=connector,
                    queue=queue, phase=phase, max_attempts=max_attempts,
                    status=TaskStatus.PENDING.value, run_after=utcnow())
        session.add(task)
        session.flush()
        session.info.setdefault(_NEW, []).append(task.id)
    return task


def install_dispatch_hook(factory: sessionmaker[Session],
                          dispatch: Callable[[list[int]], None]) -> None:
    """After each commit of a session from ``factory``, hand its new task ids to ``dispatch``."""
    from sqlalchemy import event

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        ids = session.info.pop(_NEW, None)
        if ids:
            dispatch(list(ids))

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(_NEW, None)


def claimable(now_expr: object | None = None):  # type: ignore[no-untyped-def]
    """The condition for a pending task that may run now: due, and its earlier phases done."""
    earlier = aliased(Task)
    blocked = exists().where(and_(earlier.request_id == Task.request_id,
                                  earlier.phase < Task.phase,
                                  earlier.status.not_in(FINISHED)))
    return and_(Task.status == TaskStatus.PENDING.value,
                Task.run_after <= (now_expr if now_expr is not None else utcnow()),
                ~blocked)


def due_task_ids(session: Session, queues: Iterable[str] = QUEUES, limit: int = 50) -> list[int]:
    """Ids of tasks that may run now, oldest first."""
    stmt = (select(Task.id).where(claimable(), Task.queue.in_(list(queues)))
            .order_by(Task.phase, Task.id).limit(limit))
    return list(session.scalars(stmt))


def release_expired_leases(session: Session) -> int:
    """Tasks whose worker died mid-run (lease expired) go back to pending; their open attempt
    is marked abandoned. Returns how many."""
    stale = list(session.scalars(select(Task.id).where(
        Task.status == TaskStatus.RUNNING.value,
        or_(Task.lease_until.is_(None), Task.lease_until < utcnow()))))
    if not stale:
        return 0
    session.execute(update(TaskAttempt).where(TaskAttempt.task_id.in_(stale),
                                              TaskAttempt.outcome == "running")
                    .values(outcome="abandoned", finished_at=utcnow(),
                            error="worker stopped before finishing"))
    result = session.execute(
        update(Task).where(Task.id.in_(stale), Task.status == TaskStatus.RUNNING.value)
        .values(status=TaskStatus.PENDING.value, worker=None, lease_until=None,
                last_error="worker stopped before finishing; picked up again")
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(session: Session, task_id: int, worker: str, lease: timedelta) -> bool:
    """Atomically move one claimable task to running; False if another worker was first."""
    result = session.execute(
        update(Task).where(Task.id == task_id, claimable())
        .values(status=TaskStatus.RUNNING.value, worker=worker, lease_until=utcnow() + lease,
                attempts=Task.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def due_task_ids_for_request(session: Session, request_id: int) -> list[int]:
    """The tasks of one request that have become claimable (after one of them finished)."""
    stmt = select(Task.id).where(claimable(), Task.request_id == request_id).order_by(Task.id)
    return list(session.scalars(stmt))


def retry(session: Session, task: Task) -> None:
    """Give a failed task a fresh set of attempts (the queue's retry button); flushes."""
    task.status = TaskStatus.PENDING.value
    task.attempts = 0
    task.run_after = utcnow()
    task.finished_at = None
    session.flush()
    session.info.setdefault(_NEW, []).append(task.id)


def make_due(session: Session, task: Task) -> None:
    """Run a pending task now rather than at its ``run_after`` (its outside system has
    answered); dispatched after the commit. Flushes."""
    if task.status != TaskStatus.PENDING.value:
        return
    task.run_after = utcnow()
    session.flush()
    session.info.setdefault(_NEW, []).append(task.id)


WAIVABLE = ("discover", "collect", "plan", "execute")
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
    task.result = {"waived": reason.strip()[:500]}
    task.finished_at = utcnow()
    task.lease_until = None
    session.flush()
    ready = due_task_ids_for_request(session, task.request_id) if task.request_id else []
    session.info.setdefault(_NEW, []).extend(ready)
    return ready
