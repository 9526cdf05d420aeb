"""Where the time of an access request goes: timers around its stages, and cProfile's top list.

:class:`StageTimer` wraps a few functions of the running process (jobs, the connector's read,
the document store, the payload, the PDF renderer, the export) with wall-clock timers while it
is active; the wrappers add about a microsecond a call. Nothing outside this process changes.
"""

from __future__ import annotations

import cProfile
import functools
import importlib
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = f"{Path(__file__).resolve().parents[1]}/"

#: (label, module, attribute path) of every timed function, where it is defined. A function
#: is patched there and in every loaded module that imported it by name; one that no longer
#: exists is left out of the table.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("collect job", "workflows.jobs", "JOBS.collect"),
    ("compile job", "workflows.jobs", "JOBS.compile"),
    ("shop connector access (SQL)", "connectors.shop_sql", "ShopSqlConnector.access"),
    ("document store put (encrypt, write, insert)", "dsr.documents",
     "DocumentStore.put"),
    ("read collected data (decrypt, parse)", "dsr.answers.operations", "collected_data"),
    ("build payload (marshmallow)", "dsr.answers.operations", "build_payload"),
    ("render PDF (reportlab)", "dsr.answers.report.pdf", "render_access_report"),
    ("build export ZIP (JSON, CSV)", "dsr.answers.export", "build_export"),
)
JOB_STAGES = ("collect job", "compile job")


def _owner(module: str, path: str) -> tuple[Any, str] | None:
    """The object holding the attribute (a module, a class or the JOBS dict) and its name."""
    try:
        owner: Any = importlib.import_module(module)
    except ImportError:
        return None
    *parents, name = path.split(".")
    for parent in parents:
        owner = owner.get(parent) if isinstance(owner, dict) else getattr(owner, parent, None)
        if owner is None:
            return None
    return owner, name


def _get(owner: Any, name: str) -> Any:
    return owner.get(name) if isinstance(owner, dict) else getattr(owner, name, None)


def _set(owner: Any, name: str, value: Any) -> None:
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


def _holders(owner: Any, name: str, original: Any) -> list[tuple[Any, str]]:
    """The owner, and every loaded module that imported ``original`` under ``name``."""
    found = [(owner, name)]
    for module in list(sys.modules.values()):
        if module is not owner and vars(module).get(name) is original:
            found.append((module, name))
    return found


class StageTimer:
    """Accumulates seconds per stage label while :meth:`timing` is active."""

    def __init__(self, stages: tuple[tuple[str, str, str], ...] = STAGES) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.stages = stages

    def _wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        return timed

    @contextmanager
    def timing(self) -> Iterator[dict[str, float]]:
        """Patch the stages, start from zero, restore the originals afterwards."""
        self.seconds = defaultdict(float)
        patched: list[tuple[Any, str, Any]] = []
        try:
            for label, module, path in self.stages:
                located = _owner(module, path)
                original = _get(*located) if located else None
                if original is None:
                    continue
                self.seconds[label] += 0.0  # shown even when never called
                wrapped = self._wrap(label, original)
                for holder, name in _holders(*located, original):
                    patched.append((holder, name, original))
                    _set(holder, name, wrapped)
            yield self.seconds
        finally:
            for holder, name, original in reversed(patched):
                _set(holder, name, original)


def breakdown(seconds: dict[str, float], total: float,
              stages: tuple[tuple[str, str, str], ...] = STAGES,
              jobs: tuple[str, ...] = JOB_STAGES) -> list[tuple[str, float]]:
    """The stage seconds in display order, plus the workflow's own share (total minus jobs)."""
    rows = [(label, seconds[label]) for label, _, _ in stages if label in seconds]
    jobs_total = sum(seconds.get(label, 0.0) for label in jobs)
    rows.append(("worker and workflow outside the jobs (claim, commit, audit, outbox)",
                 max(0.0, total - jobs_total)))
    return rows


@contextmanager
def profiled() -> Iterator[cProfile.Profile]:
    """cProfile over the block (it slows Python-heavy code more than waiting on the database)."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield profile
    finally:
        profile.disable()


def top_functions(profile: cProfile.Profile, limit: int = 15) -> list[tuple[str, int, float, float]]:
    """(function, calls, own seconds, cumulative seconds), the most own time first."""
    stats = pstats.Stats(profile)
    rows = []
    for (filename, line, func), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1].split(ROOT)[-1]
        rows.append((f"{func} ({where}:{line})", calls, own, cumulative))
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:limit]


def grouped(profile: cProfile.Profile) -> list[tuple[str, float]]:
    """Own time summed by library (reportlab, sqlalchemy, psycopg, ...), the largest first."""
    stats = pstats.Stats(profile)
    groups: dict[str, float] = defaultdict(float)
    for (filename, _, func), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            group = filename.split("site-packages/")[1].split("/")[0]
        elif filename.startswith(ROOT):
            group = "dsr (" + filename[len(ROOT):].split("/")[0] + ")"
        elif filename == "~":
            group = "built-in: " + func.strip("<>").split(" of ")[0]
        else:
            group = "python stdlib"
        groups[group] += own
    return sorted(groups.items(), key=lambda item: item[1], reverse=True)
