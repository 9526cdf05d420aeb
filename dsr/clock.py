"""The service's clock: the one place that reads the wall clock.

Every domain path that needs the time takes it from a :class:`Clock` handed down from the
service container (``Services.clock``), from the session it works in (:func:`clock_of`), or
from the column defaults (:func:`stamp`), which read the clock the engine was built with.
Production runs on the real time; tests pin the clock to an instant and move it forward
instead of waiting, so no test depends on the day it runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
"""The time zone in which the shop's days (receipt, deadlines, letters) are counted."""

ENGINE_OPTION = "dsr_clock"
"""The execution option under which an engine carries its clock (see :func:`stamp`)."""

SESSION_KEY = "clock"
"""The ``Session.info`` key under which a session carries its clock (see :func:`clock_of`)."""


def _wall() -> datetime:
    return datetime.now(UTC)  # the only read of the wall clock in the product


class Clock:
    """The current instant (aware, UTC) and the current day in Europe/Berlin.

    ``Clock()`` is the real time. ``Clock(start)`` runs from ``start`` at the real pace, so
    time still passes (leases run out, back-off ends) while the calendar is pinned; tests move
    it with :meth:`advance` or :meth:`set`. Every process built from the same configuration
    (web, workers, scheduler) starts at the same configured instant.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and (start.tzinfo is None or start.utcoffset() is None):
            raise ValueError("a clock's start must be timezone-aware")
        self._offset = timedelta(0) if start is None else start - _wall()

    @property
    def pinned(self) -> bool:
        """True for a clock that does not show the real time."""
        return self._offset != timedelta(0)

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        return _wall() + self._offset

    def today(self) -> date:
        """The current calendar day in Europe/Berlin (the day a request is received on)."""
        return self.now().astimezone(BERLIN).date()

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back, with a negative ``delta``)."""
        self._offset += delta

    def set(self, instant: datetime) -> None:
        """Let the clock show ``instant`` now and run on from there."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("a clock must be set to a timezone-aware instant")
        self._offset = instant - _wall()


def clock_of(session: Any) -> Clock:
    """The clock of a service-database session (every session the service opens carries one)."""
    clock = session.info.get(SESSION_KEY)
    if not isinstance(clock, Clock):
        raise RuntimeError("this session was not opened by the service's Database")
    return clock


def now_of(session: Any) -> datetime:
    """The current instant by the session's clock."""
    return clock_of(session).now()


def stamp(context: Any) -> datetime:
    """Column default: the current instant by the clock of the engine that writes the row."""
    clock = context.execution_options.get(ENGINE_OPTION)
    if not isinstance(clock, Clock):
        raise RuntimeError("this engine was not built by the service's Database")
    return clock.now()
