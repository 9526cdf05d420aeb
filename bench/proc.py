"""Reading a process's memory from /proc, and sampling the peak of its short-lived children."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def status_kib(pid: int, field: str) -> int:
    """A ``Vm*`` line of /proc/<pid>/status in KiB (VmRSS: now, VmHWM: the peak so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(f"{field} not in /proc/{pid}/status")


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak, in MB (10^6 bytes, as the competitor counts)."""
    return {"rss": status_kib(pid, "VmRSS") * 1024 / 1e6,
            "peak": status_kib(pid, "VmHWM") * 1024 / 1e6}


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (of all its threads)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process so far, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (those that still run)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            todo += children(current)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


class ChildPeakSampler:
    """Polls a process's children every few milliseconds and keeps their highest VmHWM.

    rq runs each job in a forked "work horse" that exits when the job ends, taking its peak
    with it; sampling while it lives is the only way to see that peak (it may miss the last
    few milliseconds of growth).
    """

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="child-peak", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pids = children(self.pid)
            except FileNotFoundError:
                return
            for child in pids:
                try:
                    self.peak_kib = max(self.peak_kib, status_kib(child, "VmHWM"))
                    self.seen.add(child)
                except (FileNotFoundError, ProcessLookupError, KeyError):
                    continue
            self._stop.wait(self.interval)

    def __enter__(self) -> ChildPeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    @property
    def peak_mb(self) -> float:
        return self.peak_kib * 1024 / 1e6
