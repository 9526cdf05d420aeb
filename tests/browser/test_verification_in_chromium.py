"""Verification in a real headless Chromium against a real `dsr serve`: the customer's status
page (status, deadline, code, ID upload, withdrawal) and the coordinator's request page with
the match table, the flags and the verification history. Screenshots in test-artifacts/."""

from __future__ import annotations

import email
import re
import time
from email import policy
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.support.browser import shot, shows

pytestmark = pytest.mark.browser


def _mail_bodies(workdir: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted((workdir / "dsr-data" / "mail-out").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        found.append((str(message["To"]), message.get_body(preferencelist=("plain",)).get_content()))
    return found


def _wait_for_mail(workdir: Path, to: str, pattern: str, seconds: float = 30) -> re.Match[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for recipient, body in _mail_bodies(workdir):
            found = re.search(pattern, body)
            if recipient == to and found:
                return found
        time.sleep(0.3)
    raise AssertionError(f"no mail to {to} matching {pattern!r}")


def _submit(page: Any, url: str, email_address: str, customer_number: str = "") -> str:
    page.goto(url + "/?lang=de")
    page.check("input[value=access]")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", email_address)
    if customer_number:
        page.fill("#customer_number", customer_number)
    page.click("button[type=submit]")
    return str(page.locator("#reference").inner_text())


def _open_status(page: Any, url: str, workdir: Path, to: str, reference: str) -> None:
    code = _wait_for_mail(workdir, to, rf"{reference}[\s\S]*?Statusabfrage: ([A-Z0-9]+)").group(1)
    page.goto(url + "/status?lang=de")
    page.fill("#reference", reference)
    page.fill("#code", code)
    page.click("button[type=submit]")
    page.wait_for_url("**/status/request")


def _scan(path: Path) -> Path:
    image = Image.new("RGB", (1000, 640), (235, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 970, 610), outline=(40, 60, 90), width=8)
    draw.rectangle((70, 120, 330, 470), fill=(20, 20, 20))  # the photo, blacked out
    for y in range(140, 470, 48):
        draw.line((380, y, 900, y), fill=(30, 30, 30), width=10)
    image.save(path, format="JPEG")
    return path


def test_customer_status_page_and_coordinator_view(server: dict[str, Any], browser: Any,
                                                   tmp_path: Path) -> None:
    url, workdir, juergen = server["url"], server["workdir"], server["email"]
    context = browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 900})
    page = context.new_page()

    # An honest customer: the code goes to the address on file and verifies the request.
    reference = _submit(page, url, juergen)
    _open_status(page, url, workdir, juergen, reference)
    identity = _wait_for_mail(workdir, juergen, r"\n {4}([A-Z0-9]{4}-[A-Z0-9]{4})\n").group(1)
    assert page.locator("#deadline").is_visible() and page.locator("#blackout").is_visible()
    page.locator("#withdraw summary").click()
    shot(page, "10-status-page-confirm-identity")
    page.fill("#identity-code", identity)
    page.click("#confirm-code")
    shows(page, "der Code ist bestätigt")
    assert page.locator("#public-status").inner_text() == "In Bearbeitung"
    shot(page, "11-status-page-verified")

    # A doubtful one: customer number of Jürgen, another address. The code still goes only to
    # the address on file; the requester uploads an ID copy; the coordinator sees the flags.
    other = "j.weiss.neu@example.net"
    doubtful = _submit(page, url, other, customer_number="K-100001")
    _open_status(page, url, workdir, other, doubtful)
    page.set_input_files("#id-file", str(_scan(tmp_path / "ausweis.jpg")))
    page.click("#upload-id")
    shows(page, "die Kopie ist eingegangen")
    assert all(to != other or "Statusabfrage" in body for to, body in _mail_bodies(workdir))

    page.goto(url + "/login")
    page.fill("#username", "koordinator")
    page.fill("#password", server["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/queue/")
    page.click(f"text={doubtful}")
    page.goto(page.url + "?tab=identity")
    page.wait_for_selector("#verification-panel")
    deadline = time.monotonic() + 20
    while "Code an hinterlegte Adresse" not in page.locator("#verification-history").inner_text():
        assert time.monotonic() < deadline, "the code task did not run"
        time.sleep(0.5)
        page.reload()
    assert "weicht ab" in page.locator("#match-table").inner_text()
    assert "E-Mail-Adresse: weicht ab" in page.locator("#v-flags").inner_text()
    assert "erhöht" in page.locator("#v-level").inner_text()
    page.locator("#verification").scroll_into_view_if_needed()
    shot(page, "12-request-match-table-and-verification")
    with page.expect_popup() as popup:
        page.click(".id-copy-link")
    shown = popup.value
    shown.wait_for_load_state()
    shot(shown, "13-id-copy-watermarked")
    shown.close()
    page.click("#v-id_reject")
    assert "Ausweiskopie entschieden" in page.locator("#verification-history").inner_text()
    assert page.locator(".id-copy-link").count() == 0
    context.close()
