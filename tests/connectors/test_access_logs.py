"""Access logs: a subject's lines are their addresses inside their windows only; erasure
rewrites rotated files atomically (gzip stays gzip), truncates the address, leaves every other
byte alone, tells the server to reopen its logs and leaves the live file to its rotation."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.access_logs import AccessLogConnector, truncate_ip
from connectors.base import ConnectorConfigError, Subject, build_connector
from connectors.changes import ChangeRequest, MemoryStepLog
from tests.support.clock import CLOCK

SHARED = "203.0.113.45"
MINE = [f"{SHARED}|2026-11-02T08:00:00|2026-11-02T08:30:00",
        "2001:db8:0:1::1001|2026-10-20T10:00:00|2026-10-20T10:10:00"]


def line(ip: str, stamp: str, path: str = "/") -> str:
    return f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n'


@pytest.fixture
def logs(tmp_path: Path) -> AccessLogConnector:
    (tmp_path / "access.log").write_text(
        line(SHARED, "03/Nov/2026:09:10:00 +0100", "/live"))
    (tmp_path / "access.log.1").write_text(
        line(SHARED, "02/Nov/2026:09:05:00 +0100", "/mine")  # 08:05 UTC: mine
        + line(SHARED, "02/Nov/2026:10:05:00 +0100", "/other")  # 09:05 UTC: someone else
        + line("198.51.100.7", "02/Nov/2026:09:06:00 +0100"))
    with gzip.open(tmp_path / "access.log.2.gz", "wt") as handle:
        handle.write(line("2001:db8:0:1::1001", "20/Oct/2026:12:05:00 +0200", "/ipv6-mine")
                     + line("2001:db8:0:1::1001", "20/Oct/2026:13:05:00 +0200", "/later"))
    connector = build_connector("logs", {"kind": "access_logs", "subject_from": "shop",
                                         "directory": str(tmp_path),
                                         "reopen_command": ["touch", str(tmp_path / "reopened")]})
    assert isinstance(connector, AccessLogConnector)
    return connector


def subject(windows: list[str]) -> Subject:
    return Subject((), {"ip_window": tuple(windows)})


def erasure() -> ChangeRequest:
    return ChangeRequest("DSR-LOG", ("erasure",), date(2026, 11, 5))


def test_truncation_drops_the_host_part() -> None:
    assert truncate_ip("203.0.113.45") == "203.0.113.0"
    assert truncate_ip("2001:db8:0:1:aaaa:bbbb:cccc:dddd") == "2001:db8::"
    assert truncate_ip("not-an-ip") == "not-an-ip"


def test_access_returns_only_lines_inside_the_windows(logs: AccessLogConnector) -> None:
    [records] = logs.access(subject(MINE)).tables
    paths = [row[1].split('"')[1] for row in records.rows]
    assert sorted(paths) == ["GET /ipv6-mine HTTP/1.1", "GET /mine HTTP/1.1"]
    assert not logs.access(subject([])).tables[0].rows


def test_erasure_rewrites_rotated_files_and_leaves_the_live_file(
        logs: AccessLogConnector, tmp_path: Path) -> None:
    live_before = (tmp_path / "access.log").read_bytes()
    plan = logs.plan(subject(MINE + [f"{SHARED}|2026-11-03T08:00:00|2026-11-03T08:30:00"]),
                     erasure())
    actions = {c.target: c.action for c in plan.changes}
    assert actions == {"access.log": "block", "access.log.1": "anonymise",
                       "access.log.2.gz": "anonymise"}
    receipt = logs.execute(plan, MemoryStepLog(at=CLOCK.now()))
    assert receipt.verified and receipt.notes == ("live:1",)
    assert (tmp_path / "reopened").exists()
    rotated = (tmp_path / "access.log.1").read_text().splitlines()
    assert rotated[0].startswith("203.0.113.0 ") and rotated[1].startswith(SHARED + " ")
    assert rotated[2].startswith("198.51.100.7 ")
    with gzip.open(tmp_path / "access.log.2.gz", "rt") as handle:
        old = handle.read().splitlines()
    assert old[0].startswith("2001:db8:: ") and old[1].startswith("2001:db8:0:1::1001 ")
    assert (tmp_path / "access.log").read_bytes() == live_before
    assert not list(tmp_path.glob(".*dsr-tmp"))
    (tmp_path / "reopened").unlink()
    again = logs.execute(plan, MemoryStepLog(at=CLOCK.now()))
    assert all(step["touched"] == 0 for step in again.steps)
    assert not (tmp_path / "reopened").exists()  # nothing rewritten: no reopen


def test_a_failed_rewrite_leaves_the_original(logs: AccessLogConnector, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = (tmp_path / "access.log.1").read_bytes()

    def broken(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("connectors.access_logs.os.replace", broken)
    with pytest.raises(OSError):
        logs.execute(logs.plan(subject(MINE), erasure()), MemoryStepLog(at=CLOCK.now()))
    assert (tmp_path / "access.log.1").read_bytes() == before
    assert not list(tmp_path.glob(".*dsr-tmp"))


def test_settings_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConnectorConfigError, match="connectors.logs.directory"):
        build_connector("logs", {"kind": "access_logs", "subject_from": "shop"})
