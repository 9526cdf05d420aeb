"""Web-server access logs (nginx/Apache "combined", rotated, gzipped).

A subject's lines are those from an IP address the shop knows for the subject **within a time
window** in which the subject used it (sessions, orders: the ``subject_from`` connector's
``ip_windows``) — never every line of a shared or carrier-NAT address. Erasure truncates the
address in those lines (IPv4: last octet, IPv6: last 80 bits) by rewriting each rotated file
atomically (a temporary file in the same directory, then a rename), then tells the web server
to reopen its logs (``reopen_command``). The live file is left to its next rotation: the plan
blocks its lines until then and the retention run handles them once rotated.
"""

from __future__ import annotations

import gzip
import ipaddress
import os
import re
import subprocess
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from marshmallow import Schema, fields, validate

from connectors.base import (
    AccessResult,
    ConnectorError,
    Discovery,
    Identity,
    RecordColumn,
    Subject,
    TableRecords,
    load_settings,
    register,
)
from connectors.capabilities import DerivesSubject, Executes, NamesTargets, Plans
from connectors.changes import (
    ChangeRequest,
    MemoryStepLog,
    Plan,
    PlannedChange,
    Receipt,
    StepLog,
    retained_entries,
)

_LINE = re.compile(r"^(\S+) \S+ \S+ \[(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\]")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"), start=1)}
NORM = "Art. 17 Abs. 1 DSGVO"
LABEL = {"de": "Server-Logdateien", "en": "Server log files"}


class AccessLogSettingsSchema(Schema):
    """``[connectors.<name>]`` of kind ``access_logs``."""

    kind = fields.String(required=True, validate=validate.Equal("access_logs"))
    subject_from = fields.String(required=True, validate=validate.Length(min=1))
    directory = fields.String(required=True, validate=validate.Length(min=1))
    live = fields.String(load_default="access.log")
    pattern = fields.String(load_default="access.log*")
    reopen_command = fields.List(fields.String(), load_default=list)
    window_timezone = fields.String(load_default="UTC")


def truncate_ip(text: str) -> str:
    """The address with its host part zeroed: IPv4 last octet, IPv6 last 80 bits."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    bits = 8 if address.version == 4 else 80
    network = ipaddress.ip_network(f"{address}/{address.max_prefixlen - bits}", strict=False)
    return str(network.network_address)


def _when(match: re.Match[str]) -> datetime | None:
    day, month, year, hour, minute, second, offset = match.groups()[1:]
    if month not in _MONTHS:
        return None
    return datetime.strptime(f"{year}-{_MONTHS[month]:02d}-{day} {hour}:{minute}:{second} "
                             f"{offset}", "%Y-%m-%d %H:%M:%S %z")


class Windows:
    """The subject's (ip, start, end) windows, for fast lookups per line."""

    def __init__(self, raw: tuple[str, ...], zone: ZoneInfo | None) -> None:
        by_ip: dict[str, list[tuple[datetime, datetime]]] = {}
        for entry in raw:
            ip, start, end = entry.split("|")
            by_ip.setdefault(ip, []).append((_aware(start, zone), _aware(end, zone)))
        self.by_ip = {ip: sorted(spans) for ip, spans in by_ip.items()}

    def covers(self, ip: str, moment: datetime) -> bool:
        """True when the subject used ``ip`` at ``moment``."""
        spans = self.by_ip.get(ip)
        if not spans:
            return False
        index = bisect_right([s for s, _ in spans], moment) - 1
        return index >= 0 and spans[index][0] <= moment <= spans[index][1]


def _aware(text: str, zone: ZoneInfo | None) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone or UTC)


@register("access_logs")
class AccessLogConnector(Plans, Executes, DerivesSubject, NamesTargets):
    """Reads and anonymises a directory of rotated access logs."""

    kind: ClassVar[str]
    #: What confirmations call the logs and the field a plan changes (no data map here).
    label: ClassVar[dict[str, str]] = LABEL
    field_labels: ClassVar[dict[str, dict[str, str]]] = {
        "ip": {"de": "IP-Adresse gekürzt", "en": "IP address truncated"}}

    def __init__(self, name: str, subject_from: str, directory: str | Path, *,
                 live: str = "access.log", pattern: str = "access.log*",
                 reopen_command: list[str] | None = None, window_timezone: str = "UTC") -> None:
        self.name = name
        self.subject_from = subject_from
        self.directory = Path(directory)
        self.live = live
        self.pattern = pattern
        self.reopen_command = list(reopen_command or [])
        self.zone = ZoneInfo(window_timezone)

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal section: a log directory, the subject from connector ``shop``."""
        return {"kind": "access_logs", "subject_from": "shop", "directory": str(directory)}

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> AccessLogConnector:
        """Build from the TOML section (``directory``, ``subject_from``, ...)."""
        loaded = load_settings(AccessLogSettingsSchema(), name, settings)
        loaded.pop("kind")
        return cls(name, loaded.pop("subject_from"), os.path.expanduser(loaded.pop("directory")),
                   **loaded)

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The subject's IP windows, read from ``source`` (``ip|start|end``)."""
        windows = source.ip_windows(subject) if subject.keys else []
        return Subject((), {"ip_window": tuple("|".join(w) for w in windows)})

    def discover(self, identity: Identity) -> Discovery:
        """Logs cannot be searched by who someone is, only by their windows."""
        return Discovery(self.name)

    def files(self) -> list[Path]:
        """The live file first, then the rotations in order."""
        found = [p for p in self.directory.glob(self.pattern) if p.is_file()]
        return sorted(found, key=lambda p: (p.name != self.live, _rotation(p.name), p.name))

    def _lines(self, path: Path) -> Iterator[str]:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            yield from handle

    def _matches(self, line: str, windows: Windows) -> bool:
        found = _LINE.match(line)
        if not found or found.group(1) not in windows.by_ip:
            return False
        moment = _when(found)
        return moment is not None and windows.covers(found.group(1), moment)

    def access(self, subject: Subject) -> AccessResult:
        """The subject's lines, file by file (line text as logged)."""
        windows = Windows(subject.identifiers.get("ip_window", ()), self.zone)
        rows = [(path.name, line.rstrip("\n")) for path in self.files()
                for line in self._lines(path) if self._matches(line, windows)]
        columns = (RecordColumn("file", {"de": "Datei", "en": "File"}, "usage"),
                   RecordColumn("line", {"de": "Protokollzeile", "en": "Log line"}, "usage"))
        return AccessResult((TableRecords(self.name, "access_log", LABEL, "usage", columns,
                                          tuple(rows)),))

    def count(self, windows: Windows) -> dict[str, int]:
        """Matching lines per file."""
        counts = {path.name: sum(1 for line in self._lines(path) if self._matches(line, windows))
                  for path in self.files()}
        return {name: n for name, n in counts.items() if n}

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """For an erasure: truncate the addresses in each rotated file's matching lines;
        the live file's lines are blocked until its next rotation."""
        raw = subject.identifiers.get("ip_window", ())
        changes = []
        if request.wants("erasure") and raw:
            for name, lines in self.count(Windows(raw, self.zone)).items():
                if name == self.live:
                    changes.append(PlannedChange(name, (), ("ip",), "block", "live_log", NORM,
                                                 request.today, {"ip": "anonymise", "lines": lines}))
                else:
                    changes.append(PlannedChange(name, (), ("ip",), "anonymise", "erasure", NORM,
                                                 value={"lines": lines}))
        return Plan(self.name, tuple(changes), {"keys": [], "identifiers": {"ip_window": list(raw)}})

    def execute(self, plan: Plan, log: StepLog | None = None) -> Receipt:
        """Rewrite each rotated file with matching lines atomically; then reopen the logs."""
        log = log or MemoryStepLog()
        windows = Windows(tuple(plan.subject["identifiers"]["ip_window"]), self.zone)
        steps, rewritten = [], 0
        for index, (target, changes) in enumerate(plan.steps()):
            if log.is_done(index) or changes[0].action != "anonymise":
                steps.append({"target": target, "actions": [changes[0].action],
                              "changes": len(changes), "touched": 0,
                              "done_before": log.is_done(index)})
                continue
            touched = self._rewrite(self.directory / target, windows)
            rewritten += touched
            log.mark_done(index, touched)
            steps.append({"target": target, "actions": ["anonymise"], "changes": len(changes),
                          "touched": touched, "done_before": False})
        if rewritten and self.reopen_command:
            try:
                subprocess.run(self.reopen_command, check=True, timeout=30, capture_output=True)
            except (OSError, subprocess.SubprocessError) as exc:
                raise ConnectorError(f"reopen_command failed: {type(exc).__name__}") from None
        left = self.count(windows)
        live = left.pop(self.live, 0)
        remaining = tuple({"target": name, "lines": n, "why": "still_held"}
                          for name, n in left.items())
        notes = (f"live:{live}",) if live else ()
        return Receipt(self.name, tuple(steps), retained_entries(plan), not remaining, remaining,
                       notes)

    def _rewrite(self, path: Path, windows: Windows) -> int:
        """Replace ``path`` by a copy with the subject's addresses truncated; lines changed."""
        if not path.exists():
            return 0
        changed = 0
        tmp = path.with_name(f".{path.name}.dsr-tmp")
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(tmp, "wt", encoding="utf-8", errors="surrogateescape",
                        newline="") as out:
                for line in self._lines(path):
                    if self._matches(line, windows):
                        ip = line.split(" ", 1)[0]
                        line = truncate_ip(ip) + line[len(ip):]
                        changed += 1
                    out.write(line)
            if changed:
                with open(tmp, "rb") as handle:
                    os.fsync(handle.fileno())
                os.chmod(tmp, path.stat().st_mode)
                os.replace(tmp, path)  # atomic: readers see the old file or the new one
        finally:
            tmp.unlink(missing_ok=True)
        if not changed:
            return 0
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return changed


def _rotation(name: str) -> int:
    """``access.log.3.gz`` -> 3; the live file 0."""
    parts = [p for p in name.split(".") if p.isdigit()]
    return int(parts[-1]) if parts else 0
