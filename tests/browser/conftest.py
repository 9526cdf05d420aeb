"""Fixtures of the browser tests: `dsr demo` then `dsr serve` in a fresh directory per test
module, as a person would run them, and Debian's chromium driven by Playwright.

`dsr demo` runs once per session and shop size; each module gets a copy of what it made (a
fresh data folder, the same as a run of its own would leave) and a `dsr serve` of its own."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DSR_DATA_DIR": str(data_dir)}
    env.pop("DSR_CONFIG", None)
    return env


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, str]]:
    """What `dsr demo --customers N` made (its data folder, what it printed), by ``N``; each
    size is run once, when a module first asks for it."""
    return {}


def _demo(customers: int, runs: dict[int, tuple[Path, str]],
          tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if customers not in runs:
        workdir = tmp_path_factory.mktemp(f"demo-{customers}")
        demo = subprocess.run([sys.executable, "-m", "dsr.cli", "demo", "--customers",
                               str(customers)], cwd=workdir, env=_env(workdir / "dsr-data"),
                              capture_output=True, text=True, timeout=300)
        assert demo.returncode == 0, demo.stderr
        runs[customers] = (workdir / "dsr-data", demo.stdout)
    return runs[customers]


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           demo_runs: dict[int, tuple[Path, str]]) -> Iterator[dict[str, Any]]:
    """A copy of what `dsr demo` made, then `dsr serve` on it in a fresh directory, as a person
    would run them (a test module may ask for another shop size with ``DEMO_CUSTOMERS``)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    made, printed = _demo(getattr(request.module, "DEMO_CUSTOMERS", 80), demo_runs,
                          tmp_path_factory)
    workdir = tmp_path_factory.mktemp("served")
    shutil.copytree(made, workdir / "dsr-data")
    env = _env(workdir / "dsr-data")
    dsr = [sys.executable, "-m", "dsr.cli"]
    password = re.search(r"koordinator / (\S+)", printed).group(1)
    email = re.search(r"customers to try:\n\s+(\S+@\S+)", printed).group(1)
    port = _free_port()
    proc = subprocess.Popen([*dsr, "serve", "--port", str(port)], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("dsr serve did not start: " + (proc.stdout.read() if proc.stdout else ""))
    try:
        yield {"url": f"http://127.0.0.1:{port}", "password": password, "email": email,
               "workdir": workdir}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class WatchedBrowser:
    """Playwright's browser, whose every page reports Content-Security-Policy violations
    (Chromium logs each refused inline script or style to the console)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def _watch(self, page: Any) -> None:
        page.on("console", lambda message: self._seen(page, message))

    def _seen(self, page: Any, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"{page.url}: {message.text}")

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.on("page", self._watch)
        return context

    def new_page(self, **options: Any) -> Any:
        page = self._browser.new_page(**options)
        self._watch(page)
        return page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield WatchedBrowser(launched)
        launched.close()


@pytest.fixture(autouse=True)
def _no_csp_violation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every page a browser test opened loaded without a Content-Security-Policy violation."""
    yield
    if "browser" in request.fixturenames:
        watched = request.getfixturevalue("browser")
        found, watched.violations[:] = list(watched.violations), []
        assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)
