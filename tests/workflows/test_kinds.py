"""Task kinds are one enum: each has its job and a label in German and English, and no product
job is registered under a kind the enum does not name."""

from __future__ import annotations

import importlib

from dsr.catalogs import builtin
from dsr.context import JOB_MODULES
from workflows.jobs import JOBS
from workflows.models import TaskKind


def _product_jobs() -> dict[str, str]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return {kind: JOBS[kind].__module__ for kind in JOBS
            if JOBS[kind].__module__.startswith(("dsr.", "workflows.", "connectors."))}


def test_every_kind_has_its_job_and_every_product_job_its_kind() -> None:
    jobs = _product_jobs()
    assert {kind.value for kind in TaskKind} <= set(jobs)
    assert set(jobs) <= {kind.value for kind in TaskKind}


def test_every_kind_has_a_label_in_both_languages() -> None:
    missing = [f"{lang}:task_{kind.value}" for lang in ("de", "en") for kind in TaskKind
               if f"task_{kind.value}" not in builtin().entries(lang)]
    assert missing == []
