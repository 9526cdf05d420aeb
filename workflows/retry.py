"""The one retry clock for tasks: when a failed task runs again, and when it is given up.

The rule: a task has at most ``min(task.max_attempts, [tasks] max_attempts)`` attempts; after
its attempt ``n`` failed (and attempts are left) it is due again ``backoff_seconds * 2^(n-1)``
later. The runner writes that instant on the task row (``run_after``), which is the truth; the
rq backend's ``Retry`` only wakes the job up again, at the same intervals rounded up to whole
seconds (at least one), for the attempts the task still has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class RetryClock:
    """The back-off of failed tasks (see the module's rule)."""

    backoff_seconds: float
    max_attempts: int

    @classmethod
    def of(cls, tasks: Mapping[str, Any]) -> RetryClock:
        """The clock of the ``[tasks]`` configuration table."""
        return cls(float(tasks["backoff_seconds"]), int(tasks["max_attempts"]))

    def limit(self, task_max_attempts: int) -> int:
        """How many attempts a task with this ``max_attempts`` row value gets."""
        return max(1, min(task_max_attempts, self.max_attempts))

    def gives_up(self, attempts: int, task_max_attempts: int) -> bool:
        """True when a task that failed its ``attempts``-th attempt is not tried again."""
        return attempts >= self.limit(task_max_attempts)

    def delay(self, attempts: int) -> timedelta:
        """How long a task waits after its ``attempts``-th attempt failed."""
        return timedelta(seconds=self.backoff_seconds * 2 ** max(0, attempts - 1))

    def wake_ups(self, attempts: int, task_max_attempts: int) -> list[int]:
        """The rq ``Retry`` intervals (seconds) for a job of a task that has made ``attempts``
        attempts so far: one per attempt still left after the next one fails, each the
        :meth:`delay` after that attempt rounded up to whole seconds, at least one."""
        return [max(1, math.ceil(self.delay(n).total_seconds()))
                for n in range(attempts + 1, self.limit(task_max_attempts))]
