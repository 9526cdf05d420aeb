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
    (markers / f"{task.id}.start.{os.getpid()}").write_text(ident)
    time.sleep(float(os.environ.get("DSR_TEST_SLOW_SECONDS", "1.5")))
    (markers / f"{task.id}.done.{os.getpid()}").write_text(ident)
    return {"pid": os.getpid()}
