"""The DPO's redaction viewer and register editor in a real headless Chromium against a real
`dsr serve`: Jürgen's e-mails (written from Datenanfragen.de's rectification sample) name his
neighbour; the DPO redacts the suggested name and a selected address; then edits a recipient
of the register and sees the diff. Screenshots in German and English go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import ARTIFACTS, letters_in_review, shot, shows, sign_in

pytestmark = pytest.mark.browser


def _view(page: Any, name: str) -> None:
    """A screenshot of what the window shows (the viewer's side panel stays in view as the
    page scrolls, so a full-page picture would show it in one place only)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_dpo_redacts_a_suggested_name_and_a_selection(server: dict[str, Any],
                                                     browser: Any) -> None:
    context, page, detail = letters_in_review(browser, server)
    page.click("#redaction-viewer")
    page.wait_for_selector("#suggestions")
    viewer = page.url
    neighbour = page.locator(".suggestion", has_text="Sabine Krüger")
    assert neighbour.count() == 1
    assert page.locator(".suggestion", has_text="Lehner").count() >= 2  # both e-mails
    assert page.locator("mark.suggested", has_text="Sabine Krüger").count() == 1
    page.locator(".doc", has_text="Antrag auf Berichtigung").scroll_into_view_if_needed()
    page.evaluate("() => document.querySelector('.doc:has(.doc-text mark)') && "
                  "[...document.querySelectorAll('.doc')].find(d => d.textContent.includes("
                  "'Antrag auf Berichtigung')).scrollIntoView()")
    _view(page, "redaction-viewer-de")

    neighbour.locator("button.accept").click()
    page.wait_for_selector(".flash.ok")
    letter = page.locator(".doc-text", has_text="Lindenweg 4")
    assert "Sabine Krüger" not in letter.inner_text()
    assert "Frau ████ [1]" in letter.inner_text()

    assert page.locator("#selection-form").is_hidden()
    page.evaluate("""() => {
        const field = [...document.querySelectorAll('.doc-text')]
            .find(f => f.textContent.includes('Lindenweg 4,'));
        const walker = document.createTreeWalker(field, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode()) && !node.data.includes('Lindenweg 4,')) {}
        const at = node.data.indexOf('Lindenweg 4,');
        const range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + 'Lindenweg 4'.length);
        const selection = window.getSelection();
        selection.removeAllRanges(); selection.addRange(range);
    }""")
    page.wait_for_selector("#selection-form:not([hidden])")
    assert page.locator("#selection-preview").inner_text() == "Lindenweg 4"
    page.click("#selection-redact")
    page.wait_for_selector(".flash.ok")
    assert "Lindenweg 4," not in page.locator(".doc-text", has_text="Regensburg").first.inner_text()
    assert page.locator(".redaction-row").count() == 2
    page.goto(viewer + "?lang=en")
    shows(page, "Suggestions: other people's data")
    page.evaluate("() => [...document.querySelectorAll('.doc')].find(d => d.textContent"
                  ".includes('Nachtrag')).scrollIntoView()")
    _view(page, "redaction-viewer-en")
    context.close()


def test_a_register_edit_shows_its_diff(server: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(locale="de-DE", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    sign_in(page, server)
    page.goto(server["url"] + "/queue/register/?lang=de")
    shot(page, "register-overview-de")
    page.click("#entry-recipients-dhl a")
    # The name in both languages alike: the register keeps one string.
    page.fill("#f-name_de", "DHL Paket GmbH (Bonn)")
    page.fill("#f-name_en", "DHL Paket GmbH (Bonn)")
    page.fill("#f-owner", "Logistik, Martina Sommer")
    shot(page, "register-editor-de")
    page.click("#entry-save")
    page.wait_for_selector("#register-diff")
    added = page.locator("#register-diff .d-add").all_inner_texts()
    removed = page.locator("#register-diff .d-del").all_inner_texts()
    assert added == ['+name = "DHL Paket GmbH (Bonn)"', '+owner = "Logistik, Martina Sommer"']
    assert removed == ['-name = "DHL Paket GmbH"']
    shot(page, "register-diff-de")
    page.goto(server["url"] + "/queue/register/recipients/dhl?lang=en")
    assert page.locator("#f-owner").input_value() == "Logistik, Martina Sommer"
    shot(page, "register-editor-en")
    page.goto(server["url"] + "/queue/register/diff?lang=en")
    shot(page, "register-diff-en")
    page.goto(server["url"] + "/queue/register/?lang=en")
    shot(page, "register-overview-en")
    context.close()
