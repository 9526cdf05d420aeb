"""A request's phases chained in one worker job (``workflows.runner.run_chain``): the next
task is a committed row, claimed (running, lease, attempt) in the commit that finishes the task
before it, and only then run; what the worker must not run here goes to the dispatcher."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import select, update

from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Request
from tests.support.clock import CLOCK
from workflows import outbox, queueing
from workflows.jobs import JOBS, job
from workflows.models import Task, TaskAttempt, TaskStatus
from workflows.runner import run_chain, run_pending

#: What each test job saw of its own task row from a connection of its own (committed rows).
SEEN: dict[int, tuple[str, bool, list[str]]] = {}


def _look(services: Any, session: Any, task: Any) -> dict[str, Any]:
    with services.db.engine.connect() as conn:
        status, lease = conn.execute(select(Task.status, Task.lease_until)
                                     .where(Task.id == task.id)).one()
        attempts = conn.scalars(select(TaskAttempt.outcome)
                                .where(TaskAttempt.task_id == task.id)).all()
    SEEN[task.id] = (status, lease is not None, list(attempts))
    return {"looked": True}


@pytest.fixture(autouse=True)
def _kinds() -> Iterator[None]:
    job("test_chain_look")(_look)
    SEEN.clear()
    yield
    JOBS.pop("test_chain_look", None)


@pytest.fixture
def request_id(services: Services) -> int:
    """A request whose own first tasks are out of the way (waived), so only the test's run."""
    with services.db.session() as session:
        request = submit(session, Submission(types=["access"], name="Jürgen Weiß",
                                             email="juergen@example.org", channel="form",
                                             received_at=CLOCK.now().astimezone(UTC)),
                         calendar=services.calendar, connectors=[])
        session.execute(update(Task).where(Task.request_id == request.id)
                        .values(status=TaskStatus.WAIVED.value))
        return request.id


def _tasks(services: Services, request_id: int, *phases: tuple[int, str]) -> list[int]:
    with services.db.session() as session:
        return [outbox.add_task(session, kind="test_chain_look", request_id=request_id,
                                connector=f"c{i}", queue=queue, phase=phase, round_=9).id
                for i, (phase, queue) in enumerate(phases)]


def _statuses(services: Services, ids: list[int]) -> list[str]:
    with services.db.session() as session:
        return [session.get(Task, i).status for i in ids]


@pytest.fixture
def dispatched(services: Services) -> list[int]:
    calls: list[int] = []
    services.dispatch = calls.extend
    return calls


def test_a_chained_task_is_claimed_and_committed_before_it_runs(
        services: Services, request_id: int, dispatched: list[int]) -> None:
    first, second, third = _tasks(services, request_id, (5, "connectors"), (6, "reports"),
                                  (7, "connectors"))
    dispatched.clear()  # the commit that added them told the dispatcher
    assert run_chain(services, first, queues=outbox.QUEUES, budget_seconds=60) == "done"
    assert _statuses(services, [first, second, third]) == ["done", "done", "done"]
    # Each ran once, after a commit that showed it running, leased, with an open attempt.
    for task_id in (second, third):
        assert SEEN[task_id] == ("running", True, ["running"])
    assert dispatched == []  # nothing went through the queue
    with services.db.session() as session:
        outcomes = session.scalars(select(TaskAttempt.outcome).where(
            TaskAttempt.task_id.in_([first, second, third]))).all()
    assert outcomes == ["ok", "ok", "ok"]


def test_a_task_of_a_queue_the_worker_does_not_take_is_dispatched_not_run(
        services: Services, request_id: int, dispatched: list[int]) -> None:
    first, second = _tasks(services, request_id, (5, "connectors"), (6, "mail"))
    dispatched.clear()
    run_chain(services, first, queues=("connectors",), budget_seconds=60)
    assert _statuses(services, [first, second]) == ["done", "pending"]
    assert dispatched == [second]
    with services.db.session() as session:
        assert session.scalars(select(TaskAttempt).where(TaskAttempt.task_id == second)).all() == []


def test_a_phases_other_tasks_go_to_the_queue_for_other_workers(
        services: Services, request_id: int, dispatched: list[int]) -> None:
    first, left, right = _tasks(services, request_id, (5, "connectors"), (6, "connectors"),
                                (6, "connectors"))
    dispatched.clear()
    run_chain(services, first, queues=outbox.QUEUES, budget_seconds=60)
    # One of the two runs on here; the other was handed to the dispatcher at once. No other
    # worker took it, so it was still due when its sibling finished: it ran on here too, once.
    assert dispatched == [right]
    assert _statuses(services, [first, left, right]) == ["done", "done", "done"]
    with services.db.session() as session:
        assert session.scalars(select(TaskAttempt.outcome)
                               .where(TaskAttempt.task_id == right)).all() == ["ok"]


def test_no_chaining_once_the_budget_is_spent(
        services: Services, request_id: int, dispatched: list[int]) -> None:
    first, second = _tasks(services, request_id, (5, "connectors"), (6, "connectors"))
    dispatched.clear()
    run_chain(services, first, queues=outbox.QUEUES, budget_seconds=0)
    assert _statuses(services, [first, second]) == ["done", "pending"]
    assert dispatched == [second]


def test_run_pending_runs_the_chain_too(services: Services, request_id: int) -> None:
    ids = _tasks(services, request_id, (5, "connectors"), (6, "reports"), (7, "mail"))
    assert run_pending(services) == 3
    assert _statuses(services, ids) == ["done", "done", "done"]
    assert all(SEEN[task_id][0] == "running" for task_id in ids)


def test_run_pending_looks_at_the_outbox_in_the_commits_that_claim_and_finish(
        services: Services, request_id: int) -> None:
    from sqlalchemy import event

    JOBS["test_chain_noop"] = lambda services, session, task: {"ran": True}
    begins: list[object] = []

    def began(connection: object) -> None:
        begins.append(connection)

    try:
        with services.db.session() as session:
            ids = [outbox.add_task(session, kind="test_chain_noop", request_id=request_id,
                                   connector=f"c{i}", phase=phase, round_=9).id
                   for i, phase in enumerate((5, 5, 6))]
        event.listen(services.db.engine, "begin", began)
        try:
            assert run_pending(services) == 3
        finally:
            event.remove(services.db.engine, "begin", began)
    finally:
        JOBS.pop("test_chain_noop", None)
    # One transaction per task and the first look (which claims the first task): the looks
    # after it ride in the commits that finish a task, and every claim commits before its run.
    assert len(begins) == len(ids) + 1
    assert _statuses(services, ids) == ["done", "done", "done"]
    with services.db.session() as session:
        assert session.scalars(select(TaskAttempt.outcome)
                               .where(TaskAttempt.task_id.in_(ids))).all() == ["ok"] * 3


def test_the_request_completes_with_its_last_chained_task(
        services: Services, request_id: int) -> None:
    with services.db.session() as session:
        request = session.get(Request, request_id)
        request.status = "executing"
        request.released_at = CLOCK.now()
    _tasks(services, request_id, (5, "connectors"), (6, "connectors"))
    run_pending(services)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == "completed"


def test_a_job_outside_a_worker_finds_no_services(services: Services) -> None:
    with pytest.raises(RuntimeError, match="outside `dsr worker`"):
        queueing.run_task_job(1)
    holder = queueing.WorkerServices(services, ("connectors",))
    with queueing.running_with(holder):
        assert queueing.current() is holder
    with pytest.raises(RuntimeError):
        queueing.current()


def test_a_chained_task_that_fails_is_recorded_and_handed_to_the_queue_for_its_retry(
        services: Services, request_id: int, dispatched: list[int]) -> None:
    def broken(services: Any, session: Any, task: Any) -> dict[str, Any]:
        raise ConnectionError("shop database went away")

    JOBS["test_chain_broken"] = broken
    try:
        first = _tasks(services, request_id, (5, "connectors"))[0]
        with services.db.session() as session:
            second = outbox.add_task(session, kind="test_chain_broken", request_id=request_id,
                                     phase=6, round_=9).id
        dispatched.clear()
        run_chain(services, first, queues=outbox.QUEUES, budget_seconds=60)
    finally:
        JOBS.pop("test_chain_broken", None)
    assert _statuses(services, [first, second]) == ["done", "pending"]
    assert dispatched == [second]  # its retry goes through the queue, as any task's
    with services.db.session() as session:
        task = session.get(Task, second)
        assert task.attempts == 1 and "ConnectionError" in (task.last_error or "")
        assert session.scalars(select(TaskAttempt.outcome)
                               .where(TaskAttempt.task_id == second)).all() == ["error"]
