"""A staff user keys in a letter in a real headless Chromium against a real `dsr serve`: the
letter's text (Datenanfragen.de's rectification sample, CC0, committed under
tests/dsr/answers/fixtures/), its date stamp and the sender's address; the request's receipt
is the stamped day and its deadline runs from it (Art. 12(3) GDPR), on the staff user's
confirmation and on the coordinator's request page. An empty submit lists every mistake.
Screenshots in test-artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from dsr.mail.keying import stamp_time
from tests.support.browser import shot, sign_in
from workflows.deadlines import Calendar, due_date

pytestmark = pytest.mark.browser

DEMO_CUSTOMERS = 20
LETTER = (Path(__file__).resolve().parents[1] / "dsr" / "answers" / "fixtures"
          / "rectification_letter.de.txt").read_text("utf-8")
STAFF, STAFF_PASSWORD = "poststelle", "Poststelle-2026-sicher"


def _staff_user(server: dict[str, Any]) -> None:
    env = {**os.environ, "DSR_DATA_DIR": str(server["workdir"] / "dsr-data"),
           "DSR_NEW_PASSWORD": STAFF_PASSWORD}
    env.pop("DSR_CONFIG", None)
    created = subprocess.run([sys.executable, "-m", "dsr.cli", "users", "create", "--username",
                              STAFF, "--role", "staff"], cwd=server["workdir"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr


def _day(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def test_staff_keys_in_a_letter_and_its_receipt_is_the_stamped_day(
        server: dict[str, Any], browser: Any) -> None:
    _staff_user(server)
    page = browser.new_page(locale="de-DE")
    page.goto(server["url"] + "/login?lang=de")
    page.fill("#username", STAFF)
    page.fill("#password", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.goto(server["url"] + "/staff/new?lang=de")

    page.fill("#date_stamp", "")
    page.click("main button[type=submit]")  # an empty form: every mistake, each field marked
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "Bitte mindestens eine Art der Anfrage ankreuzen." in summary.inner_text()
    assert page.locator("#name").get_attribute("aria-invalid") == "true"
    assert page.locator("#type-access-error").is_visible()
    shot(page, "staff-01-keying-errors-de")

    stamp = date.today() - timedelta(days=3)
    page.fill("#date_stamp", stamp.isoformat())
    page.check("#type-rectification")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#postal_address", "Lindenweg 4\n93047 Regensburg")
    page.fill("#email", server["email"])
    page.fill("#message", LETTER)
    shot(page, "staff-02-keying-filled-de")
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/requests/*")
    deadline = due_date(stamp_time(stamp), Calendar(subdivision="BY"))
    assert f"Eingegangen: {_day(stamp)}" in page.locator("main .card").inner_text()
    assert page.locator("#deadline").inner_text() == _day(deadline)
    reference = page.locator("#reference").inner_text().strip()
    shot(page, "staff-03-keyed-de")

    coordinator = browser.new_page(locale="de-DE")
    sign_in(coordinator, server)
    coordinator.click(f"text={reference}")
    overview = coordinator.locator("main .kv").first.inner_text()
    assert f"{_day(stamp)} 00:00" in overview  # the stamped day, not the evening before
    assert coordinator.locator("#deadline").inner_text().startswith(_day(deadline))
    shot(coordinator, "staff-04-request-page-de")
    coordinator.goto(coordinator.url + "?lang=en")
    assert coordinator.locator("#deadline").inner_text().startswith(f"{deadline:%-d %b %Y}")
    shot(coordinator, "staff-05-request-page-en")
