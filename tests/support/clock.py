"""The tests' clock: every test starts on the same day, whatever day the suite runs on.

``CLOCK`` is handed to every service container the fixtures build and reset to ``START`` before
each test; tests read the time with :func:`now` / :func:`today` and move it with
``CLOCK.advance`` instead of waiting.
"""

from __future__ import annotations

from datetime import date, datetime

from dsr.clock import BERLIN, Clock

START = datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)
"""A Wednesday: its one-month deadline (2 January 2027) falls on a Saturday and rolls over."""

CLOCK = Clock(START)


def now() -> datetime:
    """The current instant by the tests' clock."""
    return CLOCK.now()


def today() -> date:
    """The current day (Europe/Berlin) by the tests' clock."""
    return CLOCK.today()
