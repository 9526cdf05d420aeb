"""Contesting an automated decision in a real headless Chromium against a real `dsr serve`: the
coordinator sees the credit checks and the procedure in review, records the human review's
outcome, approves and releases. Screenshots of the review section in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_access_in_chromium import (  # noqa: F401
    browser,
    server,
    shot,
    wait_for_status,
)

pytestmark = pytest.mark.browser


def _section_shot(page: Any, name: str) -> None:
    page.locator("#contest-section").scroll_into_view_if_needed()
    page.locator("#contest-section").screenshot(path=str(_path(name)))
    shot(page, f"{name}-page")


def _path(name: str) -> Any:
    from tests.browser.test_access_in_chromium import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_review_and_record_the_outcome(server: dict[str, Any], browser: Any) -> None:  # noqa: F811
    page = browser.new_page(locale="de-DE", viewport={"width": 1200, "height": 900})
    page.goto(server["url"] + "/?lang=de")
    page.check("input[value=contest_decision]")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", server["email"])
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()

    page.goto(server["url"] + "/login")
    page.fill("#username", "koordinator")
    page.fill("#password", server["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/queue/")
    page.click(f"text={reference}")
    detail = page.url
    wait_for_status(page, detail, "Identitätsprüfung")
    page.click("#action-verify")
    page.click("#action-process")
    wait_for_status(page, detail, "Prüfung")

    section = page.locator("#contest-section")
    assert "SCHUFA Holding AG" in section.inner_text()
    assert page.locator("#contest-section input[name=check]").count() >= 1
    _section_shot(page, "contest-01-review")

    page.click("#action-approve")  # refused: no outcome yet
    assert "Art. 22 Abs. 3 DSGVO" in page.locator(".flash.error").inner_text()

    page.check("#contest-form input[name=outcome][value=changed]")
    page.fill("#contest-reasons-input", "Die Angaben zur Zahlungshistorie waren veraltet; "
                                        "Ratenkauf wird wieder angeboten.")
    for code in ("invoice", "instalment", "paypal"):
        page.check(f"#contest-form input[name=options][value={code}]")
    page.select_option("#contest-role", "credit_management")
    page.click("#contest-submit")
    assert "Das Ergebnis der Überprüfung ist gespeichert." in page.content()
    assert page.locator("#contest-outcome").inner_text() == "geändert"
    assert page.locator("#contest-options").inner_text() == "Rechnung, Ratenkauf, PayPal"
    assert "Wir ändern die Entscheidung." in page.locator("#contest-message-body").input_value()
    _section_shot(page, "contest-02-outcome-recorded")

    page.click("#action-approve")
    wait_for_status(page, detail, "Ausführung")
    page.click("#action-release")
    wait_for_status(page, detail, "Abgeschlossen")
    assert "versandt" in page.locator("#contest-section").inner_text()
    _section_shot(page, "contest-03-sent")
    page.close()
