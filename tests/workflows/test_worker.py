"""The outbox and its runner: retries with back-off and recorded attempts, phases, and tasks
whose worker died picked up again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dsr.context import Services
from tests.support.clock import CLOCK
from workflows import outbox
from workflows.jobs import JOBS
from workflows.models import Phase, Task, TaskAttempt
from workflows.runner import run_pending, run_task


@pytest.fixture
def flaky_job() -> Any:
    calls = {"n": 0}

    def flaky(services: Services, session: Any, task: Task) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise ConnectionError("shop database went away")
        return {"ok": True}

    JOBS["test_flaky"] = flaky
    yield calls
    del JOBS["test_flaky"]


def test_task_fails_twice_then_succeeds_with_attempts_recorded(services: Services, flaky_job: Any) -> None:
    with services.db.session() as session:
        task_id = outbox.add_task(session, kind="test_flaky", request_id=None).id
    assert run_task(services, task_id) == "pending"
    with services.db.session() as session:
        task = session.get(Task, task_id)
        assert task.last_error == "ConnectionError: shop database went away"
        assert task.run_after > CLOCK.now() - timedelta(seconds=1)
    assert run_task(services, task_id) == "pending"
    assert run_task(services, task_id) == "done"
    with services.db.session() as session:
        attempts = session.scalars(select(TaskAttempt).where(TaskAttempt.task_id == task_id)
                                   .order_by(TaskAttempt.number)).all()
        assert [(a.number, a.outcome) for a in attempts] == [(1, "error"), (2, "error"), (3, "ok")]
        assert session.get(Task, task_id).result == {"ok": True}
    assert run_task(services, task_id) == "done"  # a second run of a done task changes nothing
    assert flaky_job["n"] == 3


def test_backoff_grows_and_gives_up_after_max_attempts(services: Services) -> None:
    services.config.tasks["backoff_seconds"] = 10
    JOBS["test_broken"] = lambda s, session, task: 1 / 0
    try:
        with services.db.session() as session:
            task = outbox.add_task(session, kind="test_broken", request_id=None, max_attempts=3)
            task_id = task.id
        delays = []
        for _ in range(3):
            with services.db.session() as session:
                session.get(Task, task_id).run_after = CLOCK.now()
            before = CLOCK.now()
            status = run_task(services, task_id)
            with services.db.session() as session:
                delays.append((session.get(Task, task_id).run_after - before).total_seconds())
        assert status == "failed"
        assert 9 < delays[0] < 12 and 19 < delays[1] < 22  # 10 s, then 20 s
    finally:
        del JOBS["test_broken"]


def test_a_task_whose_worker_died_is_picked_up_again(services: Services) -> None:
    JOBS["test_ok"] = lambda s, session, task: {"ran": True}
    try:
        with services.db.session() as session:
            task_id = outbox.add_task(session, kind="test_ok", request_id=None).id
            assert outbox.claim(session, task_id, "dead-worker", timedelta(seconds=30))
        # The worker died holding the lease: nothing runs it until the lease runs out.
        assert run_pending(services) == 0
        with services.db.session() as session:
            session.get(Task, task_id).lease_until = CLOCK.now() - timedelta(seconds=1)
        assert run_pending(services) == 1
        with services.db.session() as session:
            assert session.get(Task, task_id).status == "done"
    finally:
        del JOBS["test_ok"]


def test_adding_the_same_task_twice_is_a_no_op(services: Services) -> None:
    with services.db.session() as session:
        first = outbox.add_task(session, kind="x", request_id=None, connector="shop")
        second = outbox.add_task(session, kind="x", request_id=None, connector="shop")
        assert first.id == second.id


def test_later_phase_waits_for_earlier_phase(services: Services) -> None:
    from dsr.requests.intake import Submission, submit
    from dsr.requests.models import Channel

    order: list[str] = []
    JOBS["test_a"] = lambda s, session, task: order.append("a")
    JOBS["test_b"] = lambda s, session, task: order.append("b")
    try:
        with services.db.session() as session:
            req = submit(session, Submission(types=["access"], name="A B", email="a@example.org",
                                             channel=Channel.FORM.value, received_at=CLOCK.now()),
                         calendar=services.calendar, connectors=[])
            session.get(Task, outbox.add_task(session, kind="test_b", request_id=req.id,
                                              phase=Phase.COMPILE).id)
            outbox.add_task(session, kind="test_a", request_id=req.id, phase=Phase.COLLECT)
            for task in session.scalars(select(Task).where(Task.kind == "acknowledge")):
                task.status = "waived"
        run_pending(services)
        assert order == ["a", "b"]
    finally:
        del JOBS["test_a"], JOBS["test_b"]


def test_a_job_waiting_on_an_outside_system_is_deferred_without_using_an_attempt(
        services: Services) -> None:
    from workflows.jobs import NotReady

    state = {"ready": False}

    def waits(services: Services, session: Any, task: Task) -> dict[str, Any]:
        if not state["ready"]:
            raise NotReady("processor still working", 600)
        return {"ok": True}

    JOBS["test_waits"] = waits
    try:
        with services.db.session() as session:
            task_id = outbox.add_task(session, kind="test_waits", request_id=None,
                                      max_attempts=1).id
        for _ in range(3):  # more waits than attempts: waiting is not failing
            with services.db.session() as session:
                session.get(Task, task_id).run_after = CLOCK.now()
            assert run_task(services, task_id) == "waiting"
        with services.db.session() as session:
            task = session.get(Task, task_id)
            assert (task.status, task.attempts, task.last_error) == ("pending", 0, None)
            assert task.result == {"waiting": "processor still working"}
            assert task.run_after > CLOCK.now() + timedelta(seconds=590)
            outcomes = [a.outcome for a in session.scalars(
                select(TaskAttempt).where(TaskAttempt.task_id == task_id))]
            assert outcomes == ["waiting"] * 3
        assert run_pending(services) == 0  # not due yet
        state["ready"] = True
        with services.db.session() as session:
            session.get(Task, task_id).run_after = CLOCK.now()
        assert run_task(services, task_id) == "done"
    finally:
        del JOBS["test_waits"]


def test_first_tasks_of_a_new_request_are_dispatched_once_in_order(services: Services) -> None:
    from datetime import UTC, datetime

    from dsr.requests.intake import Submission, submit

    dispatched: list[list[int]] = []
    services.dispatch = dispatched.append
    with services.db.session() as session:
        request = submit(session, Submission(types=["access"], name="Erika Muster",
                                             email="erika@example.org", channel="form",
                                             received_at=datetime(2026, 12, 1, 9, tzinfo=UTC)),
                         calendar=services.calendar, connectors=["shop", "newsletter"])
        request_id = request.id
        # The keys are add_task's: adding one again later changes nothing.
        again = outbox.add_task(session, kind="discover", request_id=request_id, connector="shop")
    with services.db.session() as session:
        tasks = session.scalars(select(Task).where(Task.request_id == request_id)
                                .order_by(Task.id)).all()
        assert [(t.kind, t.connector, t.queue) for t in tasks] == [
            ("acknowledge", "", outbox.QUEUE_MAIL), ("discover", "shop", outbox.QUEUE_CONNECTORS),
            ("discover", "newsletter", outbox.QUEUE_CONNECTORS)]
        assert again.id == tasks[1].id
        assert all(t.status == "pending" and t.phase == 0 and t.max_attempts == 5 for t in tasks)
    assert dispatched == [[t.id for t in tasks]]
