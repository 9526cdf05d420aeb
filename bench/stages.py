"""Where the time of an access request goes: timers around its stages, and cProfile's top list.

:class:`StageTimer` wraps a few functions of the running process (jobs, the connector's read,
the document store, the payload, the PDF renderer) with wall-clock timers while it is active;
the wrappers add about a microsecond a call. Nothing outside this process is changed.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from connectors.shop_sql import ShopSqlConnector
from dsr.services import reports
from dsr.services.documents import DocumentStore
from workflows import jobs

ROOT = f"{Path(__file__).resolve().parents[1]}/"
#: (label, owner, attribute) of every timed function; owners are modules, classes or dicts.
STAGES: tuple[tuple[str, Any, str], ...] = (
    ("collect job", jobs.JOBS, "collect"),
    ("compile job", jobs.JOBS, "compile"),
    ("shop connector access (SQL)", ShopSqlConnector, "access"),
    ("document store put (encrypt, write, insert)", DocumentStore, "put"),
    ("read collected data (decrypt, parse)", reports, "collected_data"),
    ("build payload (marshmallow)", reports, "build_payload"),
    ("render PDF (reportlab)", reports, "render_access_report"),
)


def _get(owner: Any, name: str) -> Any:
    return owner[name] if isinstance(owner, dict) else getattr(owner, name)


def _set(owner: Any, name: str, value: Any) -> None:
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


class StageTimer:
    """Accumulates seconds per stage label while :meth:`timing` is active."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def _wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
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
        originals = [(owner, name, _get(owner, name)) for _, owner, name in STAGES]
        try:
            for (label, owner, name), (_, _, original) in zip(STAGES, originals, strict=True):
                _set(owner, name, self._wrap(label, original))
            yield self.seconds
        finally:
            for owner, name, original in originals:
                _set(owner, name, original)


def breakdown(seconds: dict[str, float], total: float) -> list[tuple[str, float]]:
    """The stage seconds in display order, plus the workflow's own share (total minus jobs)."""
    rows = [(label, seconds.get(label, 0.0)) for label, _, _ in STAGES]
    jobs_total = seconds.get("collect job", 0.0) + seconds.get("compile job", 0.0)
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
