"""Counting what an engine sends to its database, with SQLAlchemy event listeners.

Statements are counted in ``before_cursor_execute`` (one per execute or executemany call);
transactions by the ``begin`` event, with ``commit`` and ``rollback`` counted apart. Pool
checkouts are counted too: with ``pool_pre_ping`` each checkout costs one more round trip (a
ping the statement events do not see).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, event

_EVENTS = ("before_cursor_execute", "begin", "commit", "rollback")


@dataclass
class EngineCounts:
    """What one engine did during a measured window."""

    statements: int = 0
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0
    checkouts: int = 0

    def __add__(self, other: EngineCounts) -> EngineCounts:
        return EngineCounts(*(getattr(self, f.name) + getattr(other, f.name)
                              for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class EngineCounter:
    """Listens on one engine while :meth:`counting` is active; ``counts`` holds the tally."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.counts = EngineCounts()
        self._active = False
        self._handlers = {
            "before_cursor_execute": self._statement,
            "begin": self._begin,
            "commit": self._commit,
            "rollback": self._rollback,
        }

    def _statement(self, *args: Any) -> None:
        if self._active:
            self.counts.statements += 1

    def _begin(self, *args: Any) -> None:
        if self._active:
            self.counts.begins += 1

    def _commit(self, *args: Any) -> None:
        if self._active:
            self.counts.commits += 1

    def _rollback(self, *args: Any) -> None:
        if self._active:
            self.counts.rollbacks += 1

    def _checkout(self, *args: Any) -> None:
        if self._active:
            self.counts.checkouts += 1

    def install(self) -> None:
        for name in _EVENTS:
            event.listen(self.engine, name, self._handlers[name])
        event.listen(self.engine.pool, "checkout", self._checkout)

    def remove(self) -> None:
        for name in _EVENTS:
            event.remove(self.engine, name, self._handlers[name])
        event.remove(self.engine.pool, "checkout", self._checkout)

    @contextmanager
    def counting(self) -> Iterator[EngineCounts]:
        """Count from a zero tally until the block ends; yields the tally being filled."""
        self.counts = EngineCounts()
        self._active = True
        try:
            yield self.counts
        finally:
            self._active = False
