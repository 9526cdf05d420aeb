"""The machine and software a benchmark ran on, for the results file."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024 / 1e9
    return 0.0


def _revision() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


def _postgres(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.scalar(sa.text("SHOW server_version")))
    finally:
        engine.dispose()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine shows here)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def describe(url: str) -> dict[str, str]:
    """CPU, memory, versions and the dsr revision."""
    versions = ", ".join(f"{name} {metadata.version(name)}"
                         for name in ("SQLAlchemy", "psycopg", "reportlab", "rq"))
    return {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU model": _cpu_model(),
        "memory": f"{_memory_gb():.1f} GB",
        "OS": f"{platform.system()} {platform.release()}",
        "PostgreSQL": _postgres(url),
        "Python": platform.python_version(),
        "libraries": versions,
        "dsr revision": _revision(),
    }
