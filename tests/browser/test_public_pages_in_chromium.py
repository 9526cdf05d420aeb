"""The customer's pages in a real headless Chromium against a real `dsr serve`, in German and
English: the form (empty and with mistakes), the status lookup, the status page while the
identity is checked and after release, the portal and the answer as an HTML page. Each passes
axe-core (WCAG 2.0/2.1 A and AA rules) with no serious or critical violation, and loads
without a Content-Security-Policy violation (the conftest's watch). Screenshots of each page
go to test-artifacts/ (docs/screenshots/ with DSR_DOC_SCREENSHOTS=1)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.test_verification_in_chromium import _wait_for_mail
from tests.support.browser import screenshot_folder, sign_in, wait_for_status

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_folder()
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


def accessible(page: Any, name: str, full_page: bool = True) -> None:
    """axe-core finds no serious or critical violation on the page; a screenshot is kept."""
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
    violations = Axe().run(page, options=WCAG).response["violations"]
    grave = [f"{v['id']} ({v['impact']}): {v['help']} at "
             f"{[n['target'] for n in v['nodes']][:3]}"
             for v in violations if v["impact"] in ("serious", "critical")]
    assert not grave, f"{name}: " + "; ".join(grave)


def _request(page: Any, url: str, lang: str, email: str) -> str:
    page.goto(f"{url}/?lang={lang}")
    page.check("input[value=access]")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", email)
    page.click("button[type=submit]")
    return str(page.locator("#reference").inner_text())


@pytest.mark.parametrize("lang", ["de", "en"])
def test_form_and_its_mistakes_are_accessible(server: dict[str, Any], browser: Any,
                                              lang: str) -> None:
    context = browser.new_context(locale=f"{lang}-DE", viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(f"{server['url']}/?lang={lang}")
    accessible(page, f"public-form-{lang}")
    page.check("input[value=rectification]")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", "kaputt")
    page.fill("#correct_postcode", "ABCDEFGHIJ")
    page.fill("#message", "Bitte alles." if lang == "de" else "Everything, please.")
    page.click("button[type=submit]")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    # read first: the page's script moves the focus once it has run (the click returns when
    # the answer starts to arrive, not when its scripts have run)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'",
                           timeout=10_000)
    targets = summary.locator("a").evaluate_all("links => links.map(a => a.hash)")
    assert targets == ["#correct_postcode", "#email"]
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert page.locator("#correct_postcode").input_value() == "ABCDEFGHIJ"  # nothing lost
    assert page.locator("#name").input_value() == "Jürgen Weiß"
    summary.locator("a[href='#email']").click()
    assert page.evaluate("document.activeElement.id") == "email"
    accessible(page, f"public-form-errors-{lang}")
    context.close()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_status_pages_and_portal_are_accessible(server: dict[str, Any], browser: Any,
                                                lang: str) -> None:
    context = browser.new_context(locale=f"{lang}-DE", accept_downloads=True,
                                  viewport={"width": 1000, "height": 900})
    page = context.new_page()
    url, email = server["url"], server["email"]
    reference = _request(page, url, lang, email)
    accessible(page, f"public-submitted-{lang}")
    label = "Statusabfrage" if lang == "de" else "status"
    code = _wait_for_mail(server["workdir"], email,
                          rf"{reference}[\s\S]*?{label}[^:]*: ([A-Z0-9]+)").group(1)
    page.goto(f"{url}/status?lang={lang}")
    accessible(page, f"public-status-lookup-{lang}")
    page.fill("#reference", reference)
    page.fill("#code", code)
    page.click("button[type=submit]")
    page.wait_for_url("**/status/request")
    accessible(page, f"public-status-{lang}")

    desk = browser.new_context(locale="de-DE")  # the coordinator works in German
    staff = desk.new_page()
    staff.goto(f"{url}/login?lang=de")
    sign_in(staff, server)
    staff.click(f"text={reference}")
    detail = staff.url
    wait_for_status(staff, detail, "Identitätsprüfung")
    staff.goto(detail + "?tab=identity")
    staff.click("#action-verify")
    staff.goto(detail + "?tab=systems")
    staff.click("#action-process")
    draft = detail + "?tab=draft"
    wait_for_status(staff, draft, "Prüfung")
    staff.click("#action-approve")
    staff.click("#confirm-step")  # the summary page asks once more
    wait_for_status(staff, draft, "Ausführung")
    staff.click("#action-release")
    staff.click("#confirm-step")
    wait_for_status(staff, draft, "Abgeschlossen")
    desk.close()

    page.goto(f"{url}/status/request?lang={lang}")
    assert page.locator("#what-was-done").is_visible()
    assert "/portal" not in page.locator("#answer-where").inner_text()  # no secret on the page
    accessible(page, f"public-status-done-{lang}")

    link = _wait_for_mail(server["workdir"], email, rf"{reference}[\s\S]*?(/portal/[\w-]+)")
    portal_code = _wait_for_mail(server["workdir"], email,
                                 rf"(?m){reference}[\s\S]*?^\s*(\d{{8}})\s*$").group(1)
    page.goto(f"{url}{link.group(1)}?lang={lang}")
    accessible(page, f"public-portal-code-{lang}")
    page.fill("#code", portal_code)
    page.click("#portal-open")
    assert page.locator("#portal-files li").count() == 3
    accessible(page, f"public-portal-{lang}")
    with page.expect_download():
        page.locator("#portal-files a.button", has_text=".pdf").click()
    page.reload()
    assert re.search(r"\b4\b", page.locator("#portal-visits").inner_text())  # one visit so far
    page.click("#answer-html")
    assert page.locator("html").get_attribute("lang") in ("de", "en")
    assert page.locator("h1").count() == 1 and page.locator("th[scope=col]").count() > 5
    accessible(page, f"public-answer-html-{lang}", full_page=False)  # a long document
    page.go_back()
    page.reload()
    assert re.search(r"\b4\b", page.locator("#portal-visits").inner_text())  # still one
    context.close()


def test_past_the_rate_limit_nothing_typed_is_lost(server: dict[str, Any], browser: Any) -> None:
    """Runs last in this module: it uses up the module server's submission budget."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1000, "height": 900})
    page = context.new_page()
    for _ in range(15):
        page.goto(f"{server['url']}/?lang=de")
        page.check("input[value=access]")
        page.fill("#name", "Jürgen Weiß")
        page.fill("#email", server["email"])
        page.fill("#message", "Bitte auch die Newsletter-Daten.")
        page.click("button[type=submit]")
        if page.locator("#rate-limited").count():
            break
    else:
        pytest.fail("the submission limit was never reached")
    assert page.locator("#name").input_value() == "Jürgen Weiß"
    assert page.locator("#message").input_value() == "Bitte auch die Newsletter-Daten."
    assert page.locator("input[value=access]").is_checked()
    notice = page.locator("#rate-limited").inner_text()
    assert re.search(r"ab \d\d\.\d\d\.\d{4} \d\d:\d\d Uhr an", notice)
    assert "datenschutz@pso.example.org" in notice and "Theresienhöhe 28" in notice
    accessible(page, "public-form-rate-limited-de")
    page.click("button[type=submit]")  # the browser solves the challenge and sends the form
    page.wait_for_url("**/submitted", timeout=60_000)
    assert page.locator("#reference").inner_text().startswith("DSR-")
    context.close()
