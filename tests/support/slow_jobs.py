"""A job kind for the worker tests: it leaves a start and a done marker (with its process ids)
in $DSR_TEST_MARKERS, so a test can see which process ran it and whether it finished."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from workflows.jobs import job


@job("test_slow")
def slow(services: Any, session: Any, task: Any) -> dict[str, Any]:
    markers = Path(os.environ["DSR_TEST_MARKERS"])
    ident = f"{os.getpid()} {os.getppid()} {os.getpgid(0)}"
    _mark(markers / f"{task.id}.start.{os.getpid()}", ident)
    time.sleep(float(os.environ.get("DSR_TEST_SLOW_SECONDS", "1.5")))
    _mark(markers / f"{task.id}.done.{os.getpid()}", ident)
    return {"pid": os.getpid()}


def _mark(path: Path, ident: str) -> None:
    """Write a marker whole (a test polling the folder never reads it half written)."""
    tmp = path.with_name(f"writing-{os.getpid()}")
    tmp.write_text(ident)
    os.replace(tmp, path)
