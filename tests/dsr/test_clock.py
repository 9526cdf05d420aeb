"""The service clock: pinned or real, moved by tests, carried by engine and sessions — and the
only place in the product that reads the wall clock."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent, append_event
from dsr.clock import BERLIN, Clock, clock_of
from dsr.context import Services
from tests.support.clock import CLOCK, START

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("dsr", "workflows", "connectors")
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
              ("date", "today"), ("time", "time")}


def test_a_pinned_clock_shows_its_day_and_moves_when_told() -> None:
    clock = Clock(datetime(2027, 1, 29, 23, 30, tzinfo=UTC))
    assert clock.pinned and clock.today() == date(2027, 1, 30)  # already the 30th in Berlin
    clock.advance(timedelta(days=30))
    assert clock.today() == date(2027, 3, 1)
    clock.set(datetime(2028, 2, 29, 12, tzinfo=BERLIN))
    assert clock.today() == date(2028, 2, 29)
    with pytest.raises(ValueError, match="timezone-aware"):
        Clock(datetime(2027, 1, 1))
    assert not Clock().pinned


def test_rows_and_sessions_take_the_time_from_the_service_clock(services: Services) -> None:
    assert services.clock is CLOCK
    CLOCK.set(datetime(2028, 2, 29, 8, tzinfo=BERLIN))
    with services.db.session() as session:
        assert clock_of(session) is CLOCK
        append_event(session, actor="system", action="clock_test", request_id=None)
    with services.db.session() as session:
        stamped = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "clock_test")).one().created_at
    assert stamped.astimezone(BERLIN).date() == date(2028, 2, 29)


def test_the_configured_start_pins_every_process_built_from_the_file(services: Services) -> None:
    built = Services(services.config)  # a worker or the scheduler, from the same file
    assert abs(built.clock.now() - START) < timedelta(minutes=5)
    built.close()


def _wall_clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in WALL_CLOCK:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_product_module_reads_the_wall_clock() -> None:
    modules = [p for package in PRODUCT for p in (ROOT / package).rglob("*.py")
               if p != ROOT / "dsr" / "clock.py" and "migrations" not in p.parts]
    assert len(modules) > 100
    assert [read for path in modules for read in _wall_clock_reads(path)] == []


def test_the_check_finds_a_wall_clock_read(tmp_path: Path) -> None:
    sample = ROOT / "dsr" / "clock.py"
    assert _wall_clock_reads(sample) == ["dsr/clock.py:" + str(
        next(n for n, line in enumerate(sample.read_text().splitlines(), 1)
             if "datetime.now(UTC)" in line))]
