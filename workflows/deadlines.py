"""Response deadlines for data-subject requests (GDPR Art. 12(3)).

The controller must answer "without undue delay and in any event within one month of receipt";
the period may be extended by two further months, provided the subject is told so, with
reasons, within the first month. Periods are computed as Regulation (EEC, Euratom) No 1182/71
prescribes: the day of receipt is not counted (Art. 3(1)), a period in months ends on the same
day number of the last month, or that month's last day if it has none (Art. 3(2)(c)), and a
period ending on a Saturday, Sunday or public holiday ends on the next working day (Art. 3(4)).

Pure functions, no I/O: the public holidays come from the ``holidays`` library.
"""

from __future__ import annotations

import calendar as _monthcal
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BERLIN = ZoneInfo("Europe/Berlin")
MAX_EXTRA_MONTHS = 2


class DeadlineError(ValueError):
    """A deadline cannot be computed or an extension is not allowed."""


@lru_cache(maxsize=512)
def _holidays(subdivision: str, assumption_day: bool, year: int) -> frozenset[date]:
    """Public holidays of one German state in one year (cached: one lookup per state-year)."""
    days = set(holidays.country_holidays("DE", subdiv=subdivision, years=year))
    if assumption_day:
        # The library lists Assumption Day (15 Aug) in Bavaria under the CATHOLIC category: it
        # is a public holiday only in communities with a Catholic majority, which is most of
        # Bavaria. Only 15 Aug is taken from that category, so this flag does not also turn on
        # Corpus Christi, which is CATHOLIC-only in Saxony and Thuringia.
        catholic = holidays.country_holidays(
            "DE", subdiv=subdivision, years=year, categories=(holidays.CATHOLIC,)
        )
        days.update(day for day in catholic if (day.month, day.day) == (8, 15))
    return frozenset(days)


@dataclass(frozen=True)
class Calendar:
    """Working-day calendar of one German state (``holidays`` subdivision code).

    ``assumption_day``: whether 15 August counts as a holiday in Bavaria. On by default
    because most Bavarian communities, including most large ones, observe it. A shop whose
    seat is in a community that does not should switch it off: counting a day that is not a
    holiday there would push deadlines one day too late.
    """

    subdivision: str = "BY"
    assumption_day: bool = True

    def __post_init__(self) -> None:
        if self.subdivision not in holidays.Germany.subdivisions:
            raise DeadlineError(f"unknown German subdivision: {self.subdivision!r}")

    def is_working_day(self, day: date) -> bool:
        """True unless ``day`` is a Saturday, Sunday or public holiday in this state."""
        if day.weekday() >= 5:
            return False
        return day not in _holidays(self.subdivision, self.assumption_day, day.year)

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def receipt_date(received_at: datetime, tz: ZoneInfo = BERLIN) -> date:
    """Local calendar date (default Europe/Berlin) on which a request was received.

    Raises ``DeadlineError`` (a ``ValueError``) for a naive datetime: its instant is unknown.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise DeadlineError("received_at must be timezone-aware")
    return received_at.astimezone(tz).date()


def add_months(day: date, months: int) -> date:
    """Same day number ``months`` months later, or the last day of that month if it is shorter."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    last = _monthcal.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def due_date(received_at: datetime, calendar: Calendar = Calendar(), months: int = 1) -> date:
    """Last day to answer a request received at ``received_at``: ``months`` after receipt,
    moved to the next working day of ``calendar`` if it falls on a weekend or holiday."""
    if months < 1:
        raise DeadlineError(f"months must be at least 1, got {months}")
    return calendar.next_working_day(add_months(receipt_date(received_at), months))


def extended_due_date(
    received_at: datetime,
    extra_months: int,
    reason: str,
    today: date,
    calendar: Calendar = Calendar(),
) -> date:
    """Deadline after extending by ``extra_months`` (1 or 2) further months (Art. 12(3) s. 2).

    The extended period runs from receipt, i.e. 1 + ``extra_months`` months. The extension
    needs a non-empty reason (the subject must be told it) and must be declared while the
    original period is still running, i.e. ``today`` at the latest on the original deadline.
    """
    if not 1 <= extra_months <= MAX_EXTRA_MONTHS:
        raise DeadlineError(f"extension must be 1 or 2 months, got {extra_months}")
    if not reason.strip():
        raise DeadlineError("an extension needs a reason to tell the data subject")
    original = due_date(received_at, calendar)
    if today > original:
        raise DeadlineError(
            f"too late to extend: the original deadline {original.isoformat()} has passed"
        )
    return due_date(received_at, calendar, months=1 + extra_months)


def days_left(due: date, today: date) -> int:
    """Calendar days from ``today`` to ``due``: 0 on the last day, negative when overdue."""
    return (due - today).days


def is_overdue(due: date, today: date) -> bool:
    """True once ``due`` has passed, e.g. a request still waiting on the subject that must be
    escalated. The last day itself is not overdue: the period ends at the end of that day."""
    return days_left(due, today) < 0
