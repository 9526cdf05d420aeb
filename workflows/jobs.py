"""The jobs: one function per task kind. Each takes the services, a session and its task row,
calls connectors and services, and returns a small JSON-safe result (no personal data).

``workflows.runner.run_task`` claims the row, runs the job, commits, and retries on failure; a job
must be idempotent: running it twice leaves the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from workflows.models import Task, TaskKind

if TYPE_CHECKING:
    from dsr.context import Services

Job = Callable[["Services", Session, Task], dict[str, Any] | None]
JOBS: dict[str, Job] = {}
SYSTEM = "system"


class NotReady(Exception):  # noqa: N818 - a state, not an error
    """Raised by a job whose outside system has not finished yet (a processor still working on
    an OpenGDPR request): the task goes back to pending and runs again after ``seconds``,
    without using up an attempt. ``why`` is shown in the queue (no personal data)."""

    def __init__(self, why: str, seconds: int) -> None:
        super().__init__(why)
        self.why = why
        self.seconds = seconds


def job(kind: TaskKind) -> Callable[[Job], Job]:
    def register(fn: Job) -> Job:
        JOBS[kind] = fn
        return fn

    return register
