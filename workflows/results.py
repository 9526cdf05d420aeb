"""A task's result, typed: what a job reported, or why the task waits or was waived.

The column ``tasks.result`` stays JSON: a flat object of counts, flags and short reasons, never
personal data. :class:`TaskResult` is the only code that reads or writes that shape; a job
returns a plain dict (:data:`workflows.jobs.Job`) and the runner stores it through
:meth:`TaskResult.from_job`, which refuses what JSON cannot hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflows.models import Task

#: Keys with a meaning to the engine or the answer (all others are the job's own counts).
WAITING, WAIVED, WHY, CATEGORIES = "waiting", "waived", "why", "categories"
#: ``why`` of a collect task that had nothing to read (a contest reads one system only).
NOT_NEEDED = "not_needed"


@dataclass(frozen=True)
class TaskResult:
    """The result of one task, in the order the job reported it (the queue shows that order)."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.values)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self.values.items())

    def _text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    @property
    def waiting(self) -> str | None:
        """Why the outside system is not done yet (the task is pending again)."""
        return self._text(WAITING)

    @property
    def waived(self) -> str | None:
        """The coordinator's reason for waiving the task."""
        return self._text(WAIVED)

    @property
    def why(self) -> str | None:
        """The short reason a job did less than its kind suggests (``not_needed``, ...)."""
        return self._text(WHY)

    @property
    def categories(self) -> tuple[str, ...]:
        """The data categories a compile task found."""
        found = self.values.get(CATEGORIES)
        return tuple(str(c) for c in found) if isinstance(found, list) else ()

    @classmethod
    def waiting_for(cls, why: str) -> TaskResult:
        return cls({WAITING: why})

    @classmethod
    def waived_because(cls, reason: str) -> TaskResult:
        return cls({WAIVED: reason})

    @classmethod
    def from_job(cls, returned: Mapping[str, Any] | None) -> TaskResult | None:
        """What a job returned, checked to be a flat JSON object; None stays None."""
        if returned is None:
            return None
        if not all(isinstance(key, str) for key in returned):
            raise TypeError("a task result's keys are strings")
        try:
            loaded = json.loads(json.dumps(dict(returned)))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"a task result must be JSON: {exc}") from None
        return cls(loaded)

    def to_json(self) -> dict[str, Any]:
        return dict(self.values)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> TaskResult:
        return cls(dict(raw or {}))

    @classmethod
    def of(cls, task: Task) -> TaskResult:
        return cls.from_json(task.result)

    def store_on(self, task: Task) -> None:
        task.result = self.to_json()
