"""A job kind for the fault tests: its first attempt hangs (until killed), later ones finish at
once. Each attempt leaves a start marker (pid, parent pid) and a done marker in $DSR_TEST_MARKERS."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from workflows.jobs import job


@job("test_hang")
def hang(services: Any, session: Any, task: Any) -> dict[str, Any]:
    markers = Path(os.environ["DSR_TEST_MARKERS"])
    ident = f"{os.getpid()} {os.getppid()}"
    _mark(markers / f"{task.id}.start.{task.attempts}", ident)
    if task.attempts == 1:
        time.sleep(120)
    _mark(markers / f"{task.id}.done.{task.attempts}", ident)
    return {"attempt": task.attempts}


def _mark(path: Path, ident: str) -> None:
    """Write a marker whole (a test that sees it exist never reads it empty)."""
    tmp = path.with_name(f"writing-{os.getpid()}")
    tmp.write_text(ident)
    os.replace(tmp, path)
