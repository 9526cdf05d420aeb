"""A task's result: the runner stores what a job returned through :class:`TaskResult`, which
keeps the stored shape and the job's order, and refuses what JSON cannot hold."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from workflows.models import Task
from workflows.results import NOT_NEEDED, TaskResult


def test_a_jobs_result_round_trips_in_its_order() -> None:
    returned = {"tables": 3, "rows": 12, "why": NOT_NEEDED, "planned": True}
    result = TaskResult.from_job(returned)
    assert result is not None and result.to_json() == returned
    assert list(result.to_json()) == ["tables", "rows", "why", "planned"]
    assert TaskResult.from_json(result.to_json()) == result
    assert result.why == NOT_NEEDED and result.waiting is None and result.categories == ()


def test_the_engines_own_results() -> None:
    assert TaskResult.waiting_for("processor busy").to_json() == {"waiting": "processor busy"}
    assert TaskResult.waiting_for("processor busy").waiting == "processor busy"
    assert TaskResult.waived_because("system retired").waived == "system retired"
    compiled = TaskResult.from_json({"categories": ["account", "orders"], "rows": 4})
    assert compiled.categories == ("account", "orders")


def test_a_task_row_is_read_and_written_through_it() -> None:
    task = Task(kind="collect", result=None)
    assert not TaskResult.of(task) and TaskResult.of(task).why is None
    TaskResult.waived_because("gone").store_on(task)
    assert task.result == {"waived": "gone"} and TaskResult.of(task).waived == "gone"


def test_nothing_returned_stays_nothing() -> None:
    assert TaskResult.from_job(None) is None


@pytest.mark.parametrize("returned", [{"when": date(2026, 12, 2)}, {1: "x"}])
def test_what_json_cannot_hold_is_refused(returned: dict[Any, Any]) -> None:
    with pytest.raises(TypeError):
        TaskResult.from_job(returned)


def test_a_reason_that_is_not_text_is_not_read_as_one() -> None:
    assert TaskResult.from_json({"why": 3, "waiting": None, "categories": "x"}).why is None
    assert TaskResult.from_json({"categories": "x"}).categories == ()
