"""Legal holds in a real headless Chromium against a real `dsr serve`: a coordinator places a
hold on an erasure request in review, sees that the plan must be made again, finds the hold in
the list of holds and lifts it after the confirmation. Screenshots in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import ask, shot, shows, sign_in, to_review, wait_for_status

pytestmark = pytest.mark.browser


def test_place_and_lift_a_hold(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(locale="de-DE")
    reference = ask(page, server, "erasure")
    sign_in(page, server)
    detail = to_review(page, reference) + "?tab=changes"
    page.goto(detail)

    page.select_option("#hold-kind", "collection")
    page.fill("#hold-reason", "Forderung an Inkasso übergeben")
    page.fill("#hold-reference", "IK-2026-0815")
    page.click("#hold-place")
    shows(page, "Sperre gesetzt.")
    assert page.locator("#hold-replan").is_visible()  # the plan predates the hold
    row = page.locator("#holds-table tbody tr").first
    assert "Inkasso" in row.inner_text() and "aktiv" in row.inner_text()
    page.locator("#holds-section").scroll_into_view_if_needed()
    shot(page, "holds-01-request-with-hold")

    page.goto(server["url"] + "/queue/")
    page.click("#nav-holds")
    page.wait_for_url("**/queue/holds")
    assert reference in page.locator("#holds-list").inner_text()
    shot(page, "holds-02-list")

    page.goto(detail)
    page.locator("#holds-table summary").first.click()  # the confirmation opens
    page.locator("#holds-table input[name=reason]").first.fill("Forderung beglichen")
    page.locator("#holds-table button.danger").first.click()
    shows(page, "Sperre aufgehoben.")
    assert "aufgehoben" in page.locator("#holds-table tbody tr").first.inner_text()
    assert "Grund der Aufhebung: Forderung beglichen" in \
        page.locator("#holds-table tbody tr").first.inner_text()
    page.click("#hold-replan-button")  # planned again with the hold lifted
    wait_for_status(page, detail, "Prüfung")
    assert page.locator("#hold-replan").count() == 0
    shot(page, "holds-03-lifted-and-planned-again")
    page.close()
