"""Contesting an automated decision in a real headless Chromium against a real `dsr serve`: the
coordinator sees the credit checks and the procedure in review, records the human review's
outcome, approves and releases. Screenshots of the review section in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import ARTIFACTS, ask, shot, shows, sign_in, to_review, wait_for_status

pytestmark = pytest.mark.browser


def _section_shot(page: Any, name: str) -> None:
    page.locator("#contest-section").scroll_into_view_if_needed()
    page.locator("#contest-section").screenshot(path=str(_path(name)))
    shot(page, f"{name}-page")


def _path(name: str) -> Any:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_review_and_record_the_outcome(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(locale="de-DE", viewport={"width": 1200, "height": 900})
    reference = ask(page, server, "contest_decision")
    sign_in(page, server)
    detail = to_review(page, reference) + "?tab=draft"
    page.goto(detail)

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
    shows(page, "Das Ergebnis der Überprüfung ist gespeichert.")
    assert page.locator("#contest-outcome").inner_text() == "geändert"
    assert page.locator("#contest-options").inner_text() == "Rechnung, Ratenkauf, PayPal"
    assert "Wir ändern die Entscheidung." in page.locator("#contest-message-body").input_value()
    _section_shot(page, "contest-02-outcome-recorded")

    page.click("#action-approve")
    page.click("#confirm-step")  # the summary page asks once more
    wait_for_status(page, detail, "Ausführung")
    page.click("#action-release")
    page.click("#confirm-step")
    wait_for_status(page, detail, "Abgeschlossen")
    assert "versandt" in page.locator("#contest-section").inner_text()
    _section_shot(page, "contest-03-sent")
    page.close()
