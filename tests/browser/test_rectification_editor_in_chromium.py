"""The rectification editor in a real headless Chromium against a real `dsr serve`: Jürgen
Weiß asks for a new surname (a new street would need the address on file to verify); the
coordinator opens the editor from the request page, sees the surname proposed for the
account and both address-book rows, billing and delivery address apart with their stored
values (the invoices only recorded beside), enters the street he gave on the phone for the
billing address only and saves. The screenshot is kept in
docs/screenshots/rectification_editor.png."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import screenshot_folder, shot, sign_in, to_review

pytestmark = pytest.mark.browser

DEMO_CUSTOMERS = 120
"""The demo at the size the other tests use: Jürgen Weiß has a billing and a delivery address."""


def test_the_coordinator_picks_the_billing_address_only(server: dict[str, Any],
                                                        browser: Any) -> None:
    page = browser.new_page(locale="de-DE", viewport={"width": 1200, "height": 900})
    page.goto(server["url"] + "/?lang=de")
    page.check("input[value=rectification]")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", server["email"])
    page.fill("#correct_last_name", "Weiss-Neumann")
    page.click("button[type=submit]")
    reference = str(page.locator("#reference").inner_text())
    sign_in(page, server)
    detail = to_review(page, reference)

    page.goto(detail + "?tab=changes")
    page.click("#rectification-editor-link a")
    page.wait_for_url("**/rectification")
    editor = page.locator("#editor-addresses")
    assert "Rechnungsadresse" in editor.inner_text() and "Lieferadresse" in editor.inner_text()
    streets = page.locator('#editor-addresses tr[data-column="addresses.street"]')
    assert streets.count() == 2
    assert not any(streets.nth(i).locator("input[type=checkbox]").is_checked()
                   for i in range(2))
    assert "daneben vermerkt" in page.locator("#editor-invoices").inner_text()
    names = page.locator('tr[data-column$=".last_name"] input[type=checkbox]')
    assert names.count() == 3 and all(names.nth(i).is_checked() for i in range(3))
    streets.first.locator("input[type=text]").fill("Leopoldstraße 200")
    streets.first.locator("input[type=checkbox]").check()  # the billing address (#1)
    shot(page, "rectification-01-editor")
    page.click("#editor-save")
    page.wait_for_url("**/rectification")
    assert page.locator("#editor-saved").is_visible()
    assert page.locator('#editor-addresses tr[data-column="addresses.street"] '
                        'input[type=checkbox]').first.is_checked()
    assert not page.locator('#editor-addresses tr[data-column="addresses.street"] '
                            'input[type=checkbox]').nth(1).is_checked()
    folder = screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True)
    # The address book (billing and delivery apart) and the first invoices (recorded beside).
    page.set_viewport_size({"width": 1200, "height": 1250})
    page.evaluate("document.querySelector('#editor-addresses').previousElementSibling"
                  ".scrollIntoView()")
    page.screenshot(path=str(folder / "rectification_editor.png"), full_page=False)
    page.close()
