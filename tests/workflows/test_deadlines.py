"""Deadlines of GDPR Art. 12(3) computed per Regulation 1182/71.

Every expected date was checked against a real calendar; weekdays are noted in the comments.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from workflows.deadlines import (
    BERLIN,
    Calendar,
    DeadlineError,
    add_months,
    days_left,
    due_date,
    extended_due_date,
    is_overdue,
    receipt_date,
)

BY = Calendar()
BY_NO_ASSUMPTION = Calendar(assumption_day=False)
BE = Calendar(subdivision="BE")


def berlin(day: str, time: str = "10:00") -> datetime:
    """A receipt at local Berlin time."""
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=BERLIN)


def utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        pytest.param(
            utc("2025-12-31T23:30"), date(2026, 1, 1), id="new-year-eve-utc-is-jan-1-berlin"
        ),
        pytest.param(
            utc("2025-12-31T22:59"), date(2025, 12, 31), id="new-year-eve-utc-still-dec-31"
        ),
        # DST starts 2025-03-30 02:00 CET -> 03:00 CEST.
        pytest.param(utc("2025-03-29T23:30"), date(2025, 3, 30), id="dst-start-00:30-cet"),
        pytest.param(utc("2025-03-30T21:59"), date(2025, 3, 30), id="dst-start-23:59-cest"),
        pytest.param(utc("2025-03-30T22:00"), date(2025, 3, 31), id="dst-start-midnight-cest"),
        # DST ends 2025-10-26 03:00 CEST -> 02:00 CET.
        pytest.param(utc("2025-10-25T22:30"), date(2025, 10, 26), id="dst-end-00:30-cest"),
        pytest.param(utc("2025-10-26T22:59"), date(2025, 10, 26), id="dst-end-23:59-cet"),
        pytest.param(utc("2025-10-26T23:00"), date(2025, 10, 27), id="dst-end-midnight-cet"),
        pytest.param(
            datetime(2025, 6, 30, 19, 0, tzinfo=ZoneInfo("America/New_York")),
            date(2025, 7, 1),
            id="new-york-evening-is-next-day",
        ),
        pytest.param(
            datetime(2025, 6, 30, 23, 0, tzinfo=timezone(timedelta(hours=2))),
            date(2025, 6, 30),
            id="fixed-offset",
        ),
    ],
)
def test_receipt_date_is_berlin_calendar_date(received_at: datetime, expected: date) -> None:
    assert receipt_date(received_at) == expected


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: receipt_date(datetime(2025, 3, 12, 10, 0)), id="receipt_date"),
        pytest.param(lambda: due_date(datetime(2025, 3, 12, 10, 0)), id="due_date"),
        pytest.param(
            lambda: extended_due_date(datetime(2025, 3, 12), 1, "volume", date(2025, 3, 20)),
            id="extended_due_date",
        ),
    ],
)
def test_naive_datetime_refused(call) -> None:
    with pytest.raises(DeadlineError, match="timezone-aware"):
        call()
    assert issubclass(DeadlineError, ValueError)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2025, 3, 12), 1, date(2025, 4, 12), id="plain"),
        pytest.param(date(2025, 1, 31), 1, date(2025, 2, 28), id="jan-31-non-leap"),
        pytest.param(date(2028, 1, 31), 1, date(2028, 2, 29), id="jan-31-leap-2028"),
        pytest.param(date(2025, 3, 31), 1, date(2025, 4, 30), id="mar-31-to-apr-30"),
        pytest.param(date(2025, 11, 30), 2, date(2026, 1, 30), id="across-year"),
        pytest.param(date(2025, 12, 31), 2, date(2026, 2, 28), id="dec-31-plus-2"),
        pytest.param(date(2025, 1, 31), 3, date(2025, 4, 30), id="jan-31-plus-3"),
    ],
)
def test_add_months_end_of_month_rule(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("received_at", "calendar", "expected"),
    [
        pytest.param(berlin("2025-03-11"), BY, date(2025, 4, 11), id="plain-friday"),
        pytest.param(berlin("2025-01-31"), BY, date(2025, 2, 28), id="jan-31-to-feb-28-friday"),
        pytest.param(
            berlin("2028-01-31"), BY, date(2028, 2, 29), id="jan-31-to-feb-29-leap-tuesday"
        ),
        pytest.param(berlin("2025-03-31"), BY, date(2025, 4, 30), id="mar-31-to-apr-30-wednesday"),
        # Received 1 Jan 2026 in Berlin; 1 Feb 2026 is a Sunday -> Monday 2 Feb.
        pytest.param(utc("2025-12-31T23:30"), BY, date(2026, 2, 2), id="utc-new-year-eve"),
        pytest.param(berlin("2025-03-30", "03:30"), BY, date(2025, 4, 30), id="dst-start-day"),
        pytest.param(berlin("2025-10-26", "02:30"), BY, date(2025, 11, 26), id="dst-end-day"),
        # 14 Jun 2025 Saturday / 15 Jun Sunday -> Monday 16 Jun.
        pytest.param(berlin("2025-05-14"), BY, date(2025, 6, 16), id="saturday-to-monday"),
        pytest.param(berlin("2025-05-15"), BY, date(2025, 6, 16), id="sunday-to-monday"),
        # Good Friday 3 Apr 2026, Sat, Sun, Easter Monday 6 Apr -> Tuesday 7 Apr.
        pytest.param(berlin("2026-03-03"), BY, date(2026, 4, 7), id="good-friday-chain"),
        pytest.param(berlin("2026-03-06"), BY, date(2026, 4, 7), id="easter-monday"),
        # Christmas Eve (Wed) is a working day; 25 Thu, 26 Fri, 27 Sat, 28 Sun -> Monday 29 Dec.
        pytest.param(berlin("2025-11-24"), BY, date(2025, 12, 24), id="christmas-eve-works"),
        pytest.param(berlin("2025-11-25"), BY, date(2025, 12, 29), id="christmas-day-chain"),
        pytest.param(berlin("2025-11-26"), BY, date(2025, 12, 29), id="boxing-day-chain"),
        # German Unity Day, Friday 3 Oct 2025 -> Monday 6 Oct.
        pytest.param(berlin("2025-09-03"), BY, date(2025, 10, 6), id="holiday-then-weekend"),
        # Epiphany, Tuesday 6 Jan 2026: a holiday in Bavaria, not in Berlin.
        pytest.param(berlin("2025-12-06"), BY, date(2026, 1, 7), id="epiphany-bavaria"),
        pytest.param(berlin("2025-12-06"), BE, date(2026, 1, 6), id="epiphany-berlin"),
        # Women's Day, Monday 8 Mar 2027: a holiday in Berlin, not in Bavaria.
        pytest.param(berlin("2027-02-08"), BY, date(2027, 3, 8), id="womens-day-bavaria"),
        pytest.param(berlin("2027-02-08"), BE, date(2027, 3, 9), id="womens-day-berlin"),
        # Assumption Day, Friday 15 Aug 2025 -> Monday 18 Aug when observed.
        pytest.param(berlin("2025-07-15"), BY, date(2025, 8, 18), id="assumption-on"),
        pytest.param(
            berlin("2025-07-15"), BY_NO_ASSUMPTION, date(2025, 8, 15), id="assumption-off"
        ),
        pytest.param(berlin("2025-07-15"), BE, date(2025, 8, 15), id="assumption-not-in-berlin"),
    ],
)
def test_due_date(received_at: datetime, calendar: Calendar, expected: date) -> None:
    assert due_date(received_at, calendar) == expected


def test_due_date_default_calendar_is_bavaria() -> None:
    assert due_date(berlin("2025-12-06")) == date(2026, 1, 7)


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        pytest.param(BY, date(2025, 12, 24), True, id="christmas-eve"),
        pytest.param(BY, date(2025, 12, 25), False, id="christmas-day"),
        pytest.param(BY, date(2025, 6, 19), False, id="corpus-christi-bavaria"),
        pytest.param(BE, date(2025, 6, 19), True, id="corpus-christi-berlin"),
        pytest.param(BY, date(2025, 8, 15), False, id="assumption-on"),
        pytest.param(BY_NO_ASSUMPTION, date(2025, 8, 15), True, id="assumption-off"),
        pytest.param(BY, date(2025, 6, 14), False, id="saturday"),
    ],
)
def test_is_working_day(calendar: Calendar, day: date, expected: bool) -> None:
    assert calendar.is_working_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 6, 16), date(2025, 6, 16), id="working-day-itself"),
        # Saturday 31 Dec 2022, Sunday 1 Jan 2023 (New Year) -> Monday 2 Jan.
        pytest.param(date(2022, 12, 31), date(2023, 1, 2), id="across-year-end"),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert BY.next_working_day(day) == expected


def test_unknown_subdivision_refused() -> None:
    with pytest.raises(DeadlineError, match="subdivision"):
        Calendar(subdivision="XX")


@pytest.mark.parametrize(
    ("received_at", "extra", "today", "calendar", "expected"),
    [
        # Original deadline Friday 28 Feb 2025.
        pytest.param(
            berlin("2025-01-31"), 1, date(2025, 2, 3), BY, date(2025, 3, 31), id="1-month"
        ),
        pytest.param(
            berlin("2025-01-31"), 2, date(2025, 2, 3), BY, date(2025, 4, 30), id="2-months"
        ),
        pytest.param(
            berlin("2025-01-31"), 2, date(2025, 2, 28), BY, date(2025, 4, 30), id="on-last-day"
        ),
        # Received 31 Dec 2025: deadline Sat 31 Jan 2026 -> Mon 2 Feb, so extending on 2 Feb is
        # in time; extended: Sat 28 Feb -> Mon 2 Mar.
        pytest.param(
            berlin("2025-12-31"), 1, date(2026, 2, 2), BY, date(2026, 3, 2), id="deadline-moved"
        ),
        # Three months from 6 Oct 2025 is Epiphany, Tuesday 6 Jan 2026.
        pytest.param(
            berlin("2025-10-06"), 2, date(2025, 10, 6), BY, date(2026, 1, 7), id="to-epiphany-by"
        ),
        pytest.param(
            berlin("2025-10-06"), 2, date(2025, 10, 6), BE, date(2026, 1, 6), id="to-epiphany-be"
        ),
    ],
)
def test_extended_due_date(
    received_at: datetime, extra: int, today: date, calendar: Calendar, expected: date
) -> None:
    got = extended_due_date(received_at, extra, "800 orders to search", today, calendar)
    assert got == expected


@pytest.mark.parametrize(
    ("extra", "reason", "today", "match"),
    [
        pytest.param(3, "complex", date(2025, 2, 3), "1 or 2", id="3-months"),
        pytest.param(0, "complex", date(2025, 2, 3), "1 or 2", id="0-months"),
        pytest.param(1, "", date(2025, 2, 3), "reason", id="empty-reason"),
        pytest.param(1, "  \n", date(2025, 2, 3), "reason", id="blank-reason"),
        pytest.param(1, "complex", date(2025, 3, 1), "too late", id="after-first-month"),
    ],
)
def test_extension_refused(extra: int, reason: str, today: date, match: str) -> None:
    with pytest.raises(DeadlineError, match=match):
        extended_due_date(berlin("2025-01-31"), extra, reason, today)


@pytest.mark.parametrize(
    ("due", "today", "left", "overdue"),
    [
        pytest.param(date(2025, 4, 11), date(2025, 4, 1), 10, False, id="positive"),
        pytest.param(date(2025, 4, 11), date(2025, 4, 11), 0, False, id="last-day"),
        pytest.param(date(2025, 4, 11), date(2025, 4, 14), -3, True, id="overdue"),
        pytest.param(date(2025, 3, 3), date(2025, 2, 26), 5, False, id="across-february"),
    ],
)
def test_days_left_and_overdue(due: date, today: date, left: int, overdue: bool) -> None:
    assert days_left(due, today) == left
    assert is_overdue(due, today) is overdue
