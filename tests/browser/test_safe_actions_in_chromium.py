"""Safe actions in a real headless Chromium against a real `dsr serve` with four-eyes for
erasures: the coordinator approves an erasure, reads the summary (systems, rows, what is kept
and why) and confirms; the step waits until a second coordinator confirms the same summary.
The summary pages are kept under docs/screenshots/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    CHROMIUM,
    ask,
    screenshot_folder,
    shot,
    to_review,
    wait_for_status,
)

pytestmark = pytest.mark.browser
SECOND = ("koordinatorin-zwei", "Zweite-Koordinatorin-Vier-Augen-7")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`dsr demo` and `dsr serve` with ``[workflow] four_eyes = ["erasure"]`` and a second
    coordinator created with `dsr users create`."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    workdir = tmp_path_factory.mktemp("served-four-eyes")
    (workdir / "config.toml").write_text('[workflow]\nfour_eyes = ["erasure"]\n')
    env = {**os.environ, "DSR_DATA_DIR": str(workdir / "dsr-data")}
    env.pop("DSR_CONFIG", None)
    dsr = [sys.executable, "-m", "dsr.cli"]
    demo = subprocess.run([*dsr, "demo", "--customers", "80"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    password = re.search(r"koordinator / (\S+)", demo.stdout).group(1)
    email = re.search(r"customers to try:\n\s+(\S+@\S+)", demo.stdout).group(1)
    made = subprocess.run([*dsr, "users", "create", "--username", SECOND[0], "--role",
                           "coordinator"], cwd=workdir, env={**env, "DSR_NEW_PASSWORD": SECOND[1]},
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
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
        pytest.fail("dsr serve did not start")
    try:
        yield {"url": f"http://127.0.0.1:{port}", "password": password, "email": email}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _sign_in(page: Any, server: dict[str, Any], username: str, password: str) -> None:
    page.goto(server["url"] + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue/")


def _keep(page: Any, name: str) -> None:
    folder = screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_an_erasure_is_summarised_confirmed_and_needs_a_second_coordinator(
        server: dict[str, Any], browser: Any) -> None:
    first = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 900})
    reference = ask(first, server, "erasure")
    _sign_in(first, server, "koordinator", server["password"])
    detail = to_review(first, reference)
    draft = detail + "?tab=draft"
    first.goto(draft)
    assert first.locator("#action-approve").inner_text() == "Änderungen ausführen…"

    first.click("#action-approve")
    assert "Zusammenfassung" in first.locator("h1").inner_text()
    assert "Shop-Datenbank" in first.locator("#safe-changes").inner_text()
    assert "§147" in first.locator("#safe-kept").inner_text()
    assert first.locator("#four-eyes-first").is_visible()
    _keep(first, "safe-summary-erasure.de")
    first.click("#confirm-step")
    assert "Ihre Bestätigung ist vorgemerkt" in first.locator(".flash.ok").inner_text()
    assert first.locator("#status").inner_text().strip() == "Prüfung"  # nothing carried out
    first.click("#open-approval-link")
    assert first.locator("#four-eyes-mine").is_visible()
    assert first.locator("#confirm-step").count() == 0  # the same person cannot confirm twice

    second = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 900})
    _sign_in(second, server, *SECOND)
    second.goto(detail)
    second.click("#open-approval-link")
    assert second.locator("#four-eyes-second").is_visible()
    assert "koordinator" in second.locator("#four-eyes").inner_text()
    _keep(second, "safe-summary-erasure-second.de")
    second.click("#confirm-step")
    wait_for_status(second, draft, "Ausführung")

    second.click("#action-release")
    assert "Antwort versenden" in second.locator("h1").inner_text()
    assert server["email"] in second.locator("#safe-to-subject").inner_text()
    _keep(second, "safe-summary-release.de")
    second.click("#confirm-step")
    wait_for_status(second, draft, "Abgeschlossen")
    shot(second, "safe-completed")
