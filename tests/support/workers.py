"""Real `dsr worker` / `dsr scheduler` processes for the production-path and fault tests: a
migrated PostgreSQL service database, an rq configuration on a given Redis, the markers folder
the test jobs write to, and the processes, each the leader of its own process group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dsr.config import load_config
from dsr.context import Services
from dsr.db import make_engine
from dsr.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


def write_worker_config(tmp_path: Path, *, database_url: str, redis_url: str, shop_url: str,
                        lease_seconds: int, backoff_seconds: float,
                        job_modules: tuple[str, ...]) -> Path:
    """A configuration file for the rq backend with the test job kinds of ``job_modules``."""
    path = tmp_path / "config.toml"
    modules = ", ".join(f'"{m}"' for m in job_modules)
    path.write_text(f"""
[service]
data_dir = "{tmp_path / 'data'}"
database_url = "{database_url}"
secret_key = "worker-test-secret-0123456789abcdef"
[tasks]
backend = "rq"
redis_url = "{redis_url}"
lease_seconds = {lease_seconds}
backoff_seconds = {backoff_seconds}
job_modules = [{modules}]
[connectors.shop]
kind = "shop_sql"
url = "{shop_url}"
""")
    return path


class Processes:
    """`dsr <command>` processes, each the leader of its own process group; what each writes
    (its log) goes to a file of its own in ``logs`` (or nowhere without one)."""

    def __init__(self, env: dict[str, str], logs: Path | None = None) -> None:
        self.env = env
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self._log_files: dict[int, Path] = {}

    def start(self, command: str = "worker", *options: str) -> subprocess.Popen[bytes]:
        if self.logs is None:
            proc = subprocess.Popen([sys.executable, "-m", "dsr.cli", command, *options],
                                    cwd=ROOT, env=self.env, start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            self.logs.mkdir(parents=True, exist_ok=True)
            path = self.logs / f"{command}-{len(self.procs)}.log"
            with path.open("wb") as out:
                proc = subprocess.Popen([sys.executable, "-m", "dsr.cli", command, *options],
                                        cwd=ROOT, env=self.env, start_new_session=True,
                                        stdout=out, stderr=subprocess.STDOUT)
            self._log_files[proc.pid] = path
        self.procs.append(proc)
        return proc

    def log(self, proc: subprocess.Popen[bytes]) -> str:
        """What ``proc`` has written so far (stdout and stderr)."""
        path = self._log_files.get(proc.pid)
        return path.read_text(encoding="utf-8", errors="replace") if path else ""

    def stop_all(self, *, gently: bool) -> None:
        """Stop every process and what is left of its group (a work horse outliving its
        worker); ``gently``: SIGTERM first, and wait for each to finish its job."""
        if gently:
            for proc in self.procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in self.procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@dataclass(frozen=True)
class WorkerRig:
    """What a worker test works with: the services (same configuration as the processes),
    the processes, the markers folder and the configuration file."""

    services: Services
    procs: Processes
    markers: Path
    config: Path


@contextmanager
def worker_rig(tmp_path: Path, *, database_url: str, redis_url: str, shop_url: str,
               lease_seconds: int, backoff_seconds: float, job_modules: tuple[str, ...],
               env: dict[str, str] | None = None, gently: bool = True) -> Iterator[WorkerRig]:
    """Migrate ``database_url``, write the configuration and yield the rig; every process it
    started is stopped afterwards (``gently``: see :meth:`Processes.stop_all`)."""
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    config = write_worker_config(tmp_path, database_url=database_url, redis_url=redis_url,
                                 shop_url=shop_url, lease_seconds=lease_seconds,
                                 backoff_seconds=backoff_seconds, job_modules=job_modules)
    markers = tmp_path / "markers"
    markers.mkdir()
    before = os.environ.get("DSR_TEST_MARKERS")
    os.environ["DSR_TEST_MARKERS"] = str(markers)  # the jobs run in this process too
    services = Services(load_config(config, env={}))
    procs = Processes({**os.environ, "PYTHONPATH": str(ROOT), "DSR_TEST_MARKERS": str(markers),
                       "DSR_CONFIG": str(config), **(env or {})}, logs=tmp_path / "logs")
    try:
        yield WorkerRig(services, procs, markers, config)
    finally:
        procs.stop_all(gently=gently)
        services.close()
        if before is None:
            os.environ.pop("DSR_TEST_MARKERS", None)
        else:
            os.environ["DSR_TEST_MARKERS"] = before
