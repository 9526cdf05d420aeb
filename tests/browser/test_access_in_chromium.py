"""The foundation's path in a real headless Chromium against a real `dsr serve`: the form, the
coordinator's queue, the PDF download. Each page's screenshot is kept in test-artifacts/."""

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

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`dsr demo` then `dsr serve` in a fresh directory, as a person would run them."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    workdir = tmp_path_factory.mktemp("served")
    env = {**os.environ, "DSR_DATA_DIR": str(workdir / "dsr-data")}
    env.pop("DSR_CONFIG", None)
    dsr = [sys.executable, "-m", "dsr.cli"]
    demo = subprocess.run([*dsr, "demo", "--customers", "80"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    password = re.search(r"koordinator / (\S+)", demo.stdout).group(1)
    email = re.search(r"customers to try:\n\s+(\S+@\S+)", demo.stdout).group(1)
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield launched
        launched.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for_status(page: Any, url: str, wanted: str, seconds: float = 30) -> None:
    """Reload the request page until the worker thread has moved it to ``wanted``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.goto(url)
        if page.locator("#status").inner_text().strip() == wanted:
            return
        time.sleep(0.5)
    raise AssertionError(f"request did not reach {wanted!r}: {page.locator('#status').inner_text()}")


def test_form_to_queue_to_pdf(server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(accept_downloads=True, locale="de-DE")
    page = context.new_page()
    page.goto(server["url"] + "/?lang=de")
    shot(page, "01-form-de")
    page.check("input[value=access]")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", server["email"])
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()
    assert reference.startswith("DSR-")
    shot(page, "02-submitted")

    page.goto(server["url"] + "/login")
    page.fill("#username", "koordinator")
    page.fill("#password", server["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/queue/")
    assert reference in page.content()
    shot(page, "03-queue")

    page.click(f"text={reference}")
    detail = page.url
    wait_for_status(page, detail, "Identitätsprüfung")
    assert "stimmt überein" in page.locator("#match-table").inner_text()
    shot(page, "04-request-awaiting-verification")
    page.click("#action-verify")
    page.click("#action-process")
    wait_for_status(page, detail, "Prüfung")
    shot(page, "05-request-review")
    page.click("#action-approve")
    wait_for_status(page, detail, "Ausführung")
    page.click("#action-release")
    wait_for_status(page, detail, "Abgeschlossen")
    shot(page, "06-request-completed")

    with page.expect_download() as info:
        page.click("#download-pdf")
    target = tmp_path / "answer.pdf"
    info.value.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(target, ARTIFACTS / "answer.pdf")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert reference in text and "Bestellungen" in text and "Rechnungen" in text
    context.close()


def test_english_form_and_errors_without_a_trace(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(locale="en-GB")
    page.goto(server["url"] + "/?lang=en")
    page.fill("#name", "A")
    page.fill("#email", "broken")
    page.click("button[type=submit]")
    assert "Please enter a valid e-mail address." in page.content()
    shot(page, "07-form-en-errors")
    response = page.goto(server["url"] + "/queue/requests/999999")
    assert response is not None and "Traceback" not in page.content()
    page.goto(server["url"] + "/does-not-exist")
    assert "Not found" in page.content() or "Nicht gefunden" in page.content()
    page.close()


def test_rectification_fields_on_the_form_and_the_coordinators_pre_fill(
        server: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(locale="de-DE", viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.goto(server["url"] + "/?lang=de")
    assert not page.locator("#rectification-fields").is_visible()  # until it is ticked
    page.check("input[value=rectification]")
    assert page.locator("#rectification-fields").is_visible()
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", server["email"])
    page.fill("#correct_last_name", "Weiss-Neumann")
    page.fill("#correct_street", "Leopoldstraße 200")
    page.fill("#correct_postcode", "80804")
    page.fill("#correct_city", "München")
    page.select_option("#correct_country", "DE")
    page.fill("#correct_birth_date", "31.02.1985")
    page.fill("#correction_note", "Seit der Heirat heiße ich Weiss-Neumann; ich bin umgezogen.")
    shot(page, "01b-form-rectification-de")
    page.click("button[type=submit]")
    assert "Diesen Tag gibt es nicht" in page.content()  # 31.02. is no day
    assert page.locator("#correct_street").input_value() == "Leopoldstraße 200"
    shot(page, "01c-form-rectification-error-de")
    page.fill("#correct_birth_date", "04.07.1985")
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()

    page.goto(server["url"] + "/login")
    page.fill("#username", "koordinator")
    page.fill("#password", server["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/queue/")
    page.click(f"text={reference}")
    wait_for_status(page, page.url, "Identitätsprüfung")  # matched: the worker thread is done
    box = page.locator("#corrections-form textarea").input_value()
    assert "customers.last_name = Weiss-Neumann" in box
    assert "addresses.street = Leopoldstraße 200" in box
    assert "customers.birth_date = 1985-07-04" in box
    page.locator("#requested-corrections").scroll_into_view_if_needed()
    shot(page, "04b-request-rectification-prefill")
    context.close()
