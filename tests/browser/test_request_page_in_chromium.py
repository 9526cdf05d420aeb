"""The coordinator's request page in a real headless Chromium against a real `dsr serve`: a
demo customer's request in review, opened from the queue; the coordinator switches through
the tabs (plain links, the page runs no script of its own), adds an internal note and finds
it in the overview and its event in the audit trail. Screenshots of every tab in German and
English in test-artifacts/ (docs/screenshots/ with DSR_DOC_SCREENSHOTS=1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import ask, shot, sign_in, to_review

pytestmark = pytest.mark.browser

TABS = ["overview", "identity", "systems", "draft", "changes", "correspondence", "audit"]


def test_switch_tabs_and_add_a_note(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(locale="de-DE")
    reference = ask(page, server, "access")
    page.close()
    # the coordinator's side without any script: the tabs, the actions and the note are forms
    # and links the server renders
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900},
                                  java_script_enabled=False)
    page = context.new_page()
    sign_in(page, server)
    detail = to_review(page, reference)

    page.goto(detail + "?lang=de")
    assert page.locator("nav.tabs a.current").inner_text() == "Überblick"
    assert "Antwortentwurf" in page.locator("#next-step").inner_text()
    page.click("#next-step-link")  # the next step leads to where it is taken
    assert page.locator("nav.tabs a.current").inner_text() == "Antwortentwurf"
    assert page.locator("#action-approve").is_visible()
    approve = page.locator("#action-approve").bounding_box()
    last_row = page.locator("#decisions-form tbody tr").last.bounding_box()
    assert approve is not None and last_row is not None and approve["y"] > last_row["y"]

    for tab, marker in [("identity", "#match-table"), ("systems", "#tasks"),
                        ("changes", "#holds-section"), ("correspondence", "#correspondence"),
                        ("audit", "#audit")]:
        page.click(f"#tab-{tab}")
        assert page.locator("nav.tabs a.current").get_attribute("id") == f"tab-{tab}"
        assert page.locator(marker).is_visible(), tab
        assert page.locator("#decisions-form").count() == 0, tab  # one section at a time

    page.click("#tab-overview")
    page.fill("#note-body", "Kunde rief an: die Auskunft bitte auch per Post.")
    page.click("#note-add")
    assert "Notiz gespeichert." in page.locator(".flash.ok").inner_text()
    note = page.locator("#notes-section article.note").first
    assert "Kunde rief an: die Auskunft bitte auch per Post." in note.inner_text()
    assert "koordinator" in note.inner_text()
    page.click("#tab-audit")
    assert "Interne Notiz hinzugefügt" in page.locator("#audit").inner_text()

    for lang in ("de", "en"):
        for tab in TABS:
            page.goto(f"{detail}?tab={tab}&lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            shot(page, f"request_{tab}.{lang}")
    assert page.locator("nav.tabs a.current").inner_text() == "Audit trail"
    page.goto(f"{detail}?lang=en")
    assert page.locator("#next-step strong").inner_text() == "Next step"
    assert "Record the decisions…" in page.locator("#next-step-text").inner_text()
    context.close()
