"""The foundation's path in a real headless Chromium against a real `dsr serve`: the form, the
coordinator's queue, the PDF download. Each page's screenshot is kept in test-artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import ARTIFACTS, shot, shows, sign_in, wait_for_status

pytestmark = pytest.mark.browser


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
    shows(page, reference)
    shot(page, "03-queue")

    page.click(f"text={reference}")
    detail = page.url
    wait_for_status(page, detail + "?tab=identity", "Identitätsprüfung")
    assert "stimmt überein" in page.locator("#match-table").inner_text()
    shot(page, "04-request-awaiting-verification")
    page.click("#action-verify")
    page.goto(detail + "?tab=systems")
    page.click("#action-process")
    wait_for_status(page, detail + "?tab=draft", "Prüfung")
    shot(page, "05-request-review")
    page.click("#action-approve")
    page.click("#confirm-step")  # the summary page asks once more
    wait_for_status(page, detail + "?tab=draft", "Ausführung")
    page.click("#action-release")
    page.click("#confirm-step")
    wait_for_status(page, detail + "?tab=draft", "Abgeschlossen")
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
    shows(page, "Please enter a valid e-mail address.")
    shot(page, "07-form-en-errors")
    response = page.goto(server["url"] + "/queue/requests/999999")
    assert response is not None and "Traceback" not in page.content()
    page.goto(server["url"] + "/does-not-exist")
    shows(page, "Not found") or "Nicht gefunden" in page.content()
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
    shows(page, "Diesen Tag gibt es nicht")  # 31.02. is no day
    assert page.locator("#correct_street").input_value() == "Leopoldstraße 200"
    shot(page, "01c-form-rectification-error-de")
    page.fill("#correct_birth_date", "04.07.1985")
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()

    sign_in(page, server)
    page.click(f"text={reference}")
    wait_for_status(page, page.url + "?tab=changes", "Identitätsprüfung")  # matched: worker done
    box = page.locator("#corrections-form textarea").input_value()
    assert "customers.last_name = Weiss-Neumann" in box
    assert "addresses.street = Leopoldstraße 200" in box
    assert "customers.birth_date = 1985-07-04" in box
    page.locator("#requested-corrections").scroll_into_view_if_needed()
    shot(page, "04b-request-rectification-prefill")
    context.close()
