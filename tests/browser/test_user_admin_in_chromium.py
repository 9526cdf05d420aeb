"""User administration in a real headless Chromium against a real `dsr serve` whose
configuration requires a second factor for coordinators: an admin's new coordinator cannot
sign in until an existing coordinator confirms; a coordinator cannot sign in without the code;
a deactivated user cannot sign in and their open session ends; a reset link works once.
Screenshots in test-artifacts/."""

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

import pyotp
import pytest

from tests.support.browser import CHROMIUM, shot

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Kaffeemaschine-Zuckerdose-17"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`dsr demo` then `dsr serve` with a config.toml that requires TOTP for coordinators."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    workdir = tmp_path_factory.mktemp("served-users")
    (workdir / "config.toml").write_text('[users]\nsecond_factor_required = ["coordinator"]\n',
                                         encoding="utf-8")
    env = {**os.environ, "DSR_DATA_DIR": str(workdir / "dsr-data")}
    env.pop("DSR_CONFIG", None)
    dsr = [sys.executable, "-m", "dsr.cli"]
    demo = subprocess.run([*dsr, "demo", "--customers", "20"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    password = re.search(r"koordinator / (\S+)", demo.stdout).group(1)
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
        yield {"url": f"http://127.0.0.1:{port}", "password": password}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _login(page: Any, server: dict[str, Any], username: str, password: str) -> None:
    page.goto(server["url"] + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def _sign_out(page: Any) -> None:
    page.click("header form button")
    page.wait_for_url("**/login")


def _fresh_code(totp: pyotp.TOTP, used: set[str]) -> str:
    """The current code, once it is not one used before (a code is good only once)."""
    deadline = time.monotonic() + 35
    while totp.now() in used and time.monotonic() < deadline:
        time.sleep(1)
    code = totp.now()
    used.add(code)
    return code


def _enrol(page: Any, used: set[str]) -> pyotp.TOTP:
    page.wait_for_url("**/login/enrol")
    assert page.locator("img.qr").is_visible()
    totp = pyotp.TOTP(page.locator("code.secret").inner_text().strip())
    page.fill("#code", _fresh_code(totp, used))
    page.click("main button[type=submit]")
    page.wait_for_url("**/queue/")
    return totp


def _row(page: Any, username: str) -> Any:
    return page.locator(f"table.users tr:has(td:text-is('{username}'))")


def test_user_administration(server: dict[str, Any], browser: Any) -> None:
    password, used = server["password"], set[str]()
    admin = browser.new_context(locale="de-DE").new_page()
    _login(admin, server, "admin", password)
    admin.wait_for_url("**/admin/users")
    admin.fill("#new-username", "neu-koordination")
    admin.select_option("#new-role", "coordinator")
    admin.fill("#new-password", NEW_PASSWORD)
    admin.click("form.card button[type=submit]")
    assert "wartet auf Bestätigung durch eine Koordination" in _row(
        admin, "neu-koordination").inner_text()
    shot(admin, "users-01-coordinator-waits")

    # The new coordinator cannot sign in until confirmed.
    newcomer = browser.new_context(locale="de-DE").new_page()
    _login(newcomer, server, "neu-koordination", NEW_PASSWORD)
    assert "wartet auf die Bestätigung durch eine Datenschutzkoordination" in newcomer.content()
    shot(newcomer, "users-02-sign-in-waits-for-confirmation")

    # The existing coordinator enrols the required second factor, then confirms.
    coordinator = browser.new_context(locale="de-DE").new_page()
    _login(coordinator, server, "koordinator", password)
    shot(coordinator, "users-03-enrolment")
    totp = _enrol(coordinator, used)
    coordinator.click("text=Zu bestätigen (1)")
    coordinator.wait_for_url("**/admin/confirmations")
    coordinator.click("main button[type=submit]")
    assert "Bestätigt" in coordinator.content()
    _sign_out(coordinator)

    # Without the code, no sign-in; with it, the queue.
    _login(coordinator, server, "koordinator", password)
    coordinator.wait_for_url("**/login/code")
    coordinator.goto(server["url"] + "/queue/")
    assert "/login" in coordinator.url  # the password alone signed nobody in
    _login(coordinator, server, "koordinator", password)
    coordinator.fill("#code", "000000" if totp.now() != "000000" else "111111")
    coordinator.click("main button[type=submit]")
    assert "Der Code stimmt nicht" in coordinator.content()
    coordinator.fill("#code", _fresh_code(totp, used))
    coordinator.click("main button[type=submit]")
    coordinator.wait_for_url("**/queue/")

    # Confirmed, the new coordinator signs in (and enrols, as the role requires).
    _login(newcomer, server, "neu-koordination", NEW_PASSWORD)
    _enrol(newcomer, used)

    # A deactivated user cannot sign in, and the open session ends.
    desk = browser.new_context(locale="de-DE").new_page()
    _login(desk, server, "servicedesk", password)
    desk.wait_for_url("**/queue/")
    admin.goto(server["url"] + "/admin/users")
    _row(admin, "servicedesk").locator("button[value=deactivate]").click()
    assert "deaktiviert" in admin.content()
    desk.goto(server["url"] + "/queue/")
    assert "/login" in desk.url
    _login(desk, server, "servicedesk", password)
    assert "/login" in desk.url and "/queue/" not in desk.url
    shot(desk, "users-04-deactivated-cannot-sign-in")

    # A reset link works once.
    _row(admin, "servicedesk").locator("button[value=reactivate]").click()
    _row(admin, "servicedesk").locator("button[value=reset]").click()
    link = admin.locator(".reset-link code").inner_text().strip()
    shot(admin, "users-05-reset-link")
    desk.goto(link)
    desk.fill("#password", NEW_PASSWORD)
    desk.fill("#password_again", NEW_PASSWORD)
    desk.click("main button[type=submit]")
    desk.wait_for_url("**/login")
    assert "Das neue Passwort gilt" in desk.content()
    desk.goto(link)
    assert "abgelaufen, wurde schon benutzt" in desk.content()
    _login(desk, server, "servicedesk", NEW_PASSWORD)
    desk.wait_for_url("**/queue/")

    admin.goto(server["url"] + "/admin/users?lang=en")
    shot(admin, "users-06-admin-page-en")
    admin.goto(server["url"] + "/admin/users?lang=de")
    shot(admin, "users-07-admin-page-de")
    for page in (admin, newcomer, coordinator, desk):
        page.context.close()
