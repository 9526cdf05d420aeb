"""The one retry clock: the runner's back-off on the task row and rq's wake-ups are the same
rule, walked attempt by attempt."""

from __future__ import annotations

from datetime import timedelta

from dsr.context import Services
from tests.support.clock import CLOCK
from workflows import outbox
from workflows.jobs import JOBS
from workflows.models import Task
from workflows.queueing import RqDispatcher, connect
from workflows.retry import RetryClock
from workflows.runner import run_task


def test_the_rule_doubles_the_wait_and_gives_up_at_the_smaller_limit() -> None:
    clock = RetryClock(backoff_seconds=1.5, max_attempts=4)
    assert [clock.delay(n).total_seconds() for n in (1, 2, 3)] == [1.5, 3.0, 6.0]
    assert [clock.gives_up(n, 5) for n in (1, 2, 3, 4)] == [False, False, False, True]
    assert [clock.gives_up(n, 2) for n in (1, 2)] == [False, True]  # the row may lower it
    assert clock.wake_ups(0, 5) == [2, 3, 6]  # rounded up: rq never wakes before the row
    assert clock.wake_ups(2, 5) == [6]
    assert clock.wake_ups(3, 5) == []
    assert RetryClock(0, 3).wake_ups(0, 3) == [1, 1]  # at least a second apart


def test_runner_and_rq_follow_the_same_clock_attempt_by_attempt(services: Services) -> None:
    services.config.tasks.update(backoff_seconds=10, max_attempts=4)
    clock = RetryClock.of(services.config.tasks)
    dispatcher = RqDispatcher(services, connect("redis://127.0.0.1:1/0"))  # never connects
    JOBS["test_broken"] = lambda s, session, task: 1 / 0
    try:
        with services.db.session() as session:
            task_id = outbox.add_task(session, kind="test_broken", request_id=None,
                                      max_attempts=5).id
        for attempt in range(1, 5):
            with services.db.session() as session:
                task = session.get(Task, task_id)
                task.run_after = CLOCK.now()
                policy = dispatcher.retry_policy(task.attempts, task.max_attempts)
            before = CLOCK.now()
            status = run_task(services, task_id)
            with services.db.session() as session:
                task = session.get(Task, task_id)
                if attempt < 4:
                    assert status == "pending"
                    waited = task.run_after - before
                    assert timedelta(0) <= waited - clock.delay(attempt) < timedelta(seconds=1)
                    assert policy is not None
                    # rq's first wake-up after this attempt is the row's wait, in seconds.
                    assert policy.intervals[0] == int(clock.delay(attempt).total_seconds())
                    assert policy.max == 4 - attempt
                else:  # the configured limit (4) is below the row's (5)
                    assert status == "failed"
                    assert policy is None  # the last attempt: nothing for rq to wake
    finally:
        del JOBS["test_broken"]
