"""Helpers of the browser tests: screenshots, waiting for the worker thread, and the steps
most tests start with (a request on the form, the coordinator's sign-in, review)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_folder() -> Path:
    """Where the browser tests keep their screenshots: test-artifacts/ (ignored by git), or
    docs/screenshots/ when DSR_DOC_SCREENSHOTS=1 asks to renew the documentation's pictures —
    a test run never changes tracked files on its own."""
    return DOCS_SCREENSHOTS if os.environ.get("DSR_DOC_SCREENSHOTS") == "1" else ARTIFACTS


def shot(page: Any, name: str) -> None:
    folder = screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def shows(page: Any, text: str) -> None:
    """Assert that the page says ``text``, waiting for a navigation a click started to finish:
    ``page.content()`` read right after a form's submit can catch the new document before it
    has been parsed (an empty page)."""
    expect(page.locator("body")).to_contain_text(text)


def wait_for_status(page: Any, url: str, wanted: str, seconds: float = 30) -> None:
    """Reload the request page until the worker thread has moved it to ``wanted``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.goto(url)
        if page.locator("#status").inner_text().strip() == wanted:
            return
        time.sleep(0.5)
    raise AssertionError(f"request did not reach {wanted!r}: {page.locator('#status').inner_text()}")


def ask(page: Any, server: dict[str, Any], kind: str) -> str:
    """Jürgen Weiß asks for ``kind`` on the German form; returns the reference."""
    page.goto(server["url"] + "/?lang=de")
    page.check(f"input[value={kind}]")
    page.fill("#name", "Jürgen Weiß")
    page.fill("#email", server["email"])
    page.click("button[type=submit]")
    return str(page.locator("#reference").inner_text())


def sign_in(page: Any, server: dict[str, Any]) -> None:
    """The coordinator signs in and lands on the queue."""
    page.goto(server["url"] + "/login")
    page.fill("#username", "koordinator")
    page.fill("#password", server["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/queue/")


def to_review(page: Any, reference: str) -> str:
    """From the queue: open the request, verify it (identity tab), process it (systems tab)
    and wait for review; returns the request page's URL (its overview, without a tab)."""
    page.click(f"text={reference}")
    detail = str(page.url)
    wait_for_status(page, detail, "Identitätsprüfung")
    page.goto(detail + "?tab=identity")
    page.click("#action-verify")
    page.goto(detail + "?tab=systems")
    page.click("#action-process")
    wait_for_status(page, detail, "Prüfung")
    return detail


def shop_url(workdir: Path) -> str:
    """The demo shop of a browser test's server (its SQLite file under ``workdir``)."""
    found = next(p for p in workdir.rglob("*.sqlite") if "shop" in p.name)
    return f"sqlite:///{found}"


def letters_in_review(browser: Any, server: dict[str, Any]) -> tuple[Any, Any, str]:
    """Jürgen's letters naming a third party in the shop, his access request on the form and
    in review, the page on its draft tab: the browser context, the page and the request
    page's URL."""
    from tests.support.corpus_mail import add_letters

    add_letters(shop_url(server["workdir"]), server["email"])
    context = browser.new_context(locale="de-DE", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    reference = ask(page, server, "access")
    sign_in(page, server)
    detail = to_review(page, reference)
    page.goto(detail + "?tab=draft")
    return context, page, detail

