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
    (markers / f"{task.id}.start.{task.attempts}").write_text(ident)
    if task.attempts == 1:
        time.sleep(120)
    (markers / f"{task.id}.done.{task.attempts}").write_text(ident)
    return {"attempt": task.attempts}
