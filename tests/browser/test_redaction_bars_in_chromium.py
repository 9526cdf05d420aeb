"""Every redaction a coordinator sees is a black bar with its label, before and after the
answer is released: in the redaction viewer (the texts and the record's facts) and on the
answer step. Chromium computes each bar's colours: the bar black, its block characters drawn
in the bar's own colour (white block characters on a black ground read as a white box), the
label read out as "[geschwärzt: …]" / "[redacted: …]"; no block character stands outside a bar."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import letters_in_review, shot, wait_for_status

pytestmark = pytest.mark.browser

BLACK = "rgb(17, 17, 17)"
_BARS = """() => {
  const bars = [...document.querySelectorAll('.redacted')].map(e => {
    const glyphs = e.querySelector('.redaction-bar');
    const box = e.getBoundingClientRect();
    return {background: getComputedStyle(e).backgroundColor,
            glyphs: glyphs ? getComputedStyle(glyphs).color : null,
            label: e.getAttribute('aria-label'), role: e.getAttribute('role'),
            text: e.textContent, width: box.width, height: box.height};
  });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const loose = [];
  let node;
  while ((node = walker.nextNode())) {
    if (node.data.includes('\\u2588') && !node.parentElement.closest('.redacted')) {
      loose.push(node.parentElement.tagName + ': ' + node.data.slice(0, 80));
    }
  }
  return {bars, loose};
}"""


def _assert_black_bars(page: Any, url: str, spoken: str, name: str = "") -> int:
    page.goto(url)
    if name:
        page.locator(".redacted").first.scroll_into_view_if_needed()
        shot(page, name)
    found = page.evaluate(_BARS)
    assert not found["loose"], (url, found["loose"])  # a mark shown as bare characters
    for bar in found["bars"]:
        assert bar["background"] == BLACK, (url, bar)
        assert bar["glyphs"] == BLACK, (url, bar)  # not white boxes on the bar
        assert bar["role"] == "img" and bar["label"].startswith(spoken), (url, bar)
        assert bar["text"].startswith("████ [") and bar["width"] > 20 and bar["height"] > 5
    return len(found["bars"])


def test_every_redaction_is_a_black_bar_before_and_after_release(server: dict[str, Any],
                                                                 browser: Any) -> None:
    context, page, detail = letters_in_review(browser, server)
    viewer = str(page.locator("#redaction-viewer").get_attribute("href"))
    step = str(page.locator("#answer-step").get_attribute("href"))
    page.goto(server["url"] + viewer)
    page.locator(".suggestion", has_text="Sabine Krüger").locator("button.accept").click()
    page.wait_for_selector(".flash.ok")
    page.locator(".suggestion", has_text="brunner.elke").first.locator("button.accept").click()
    page.wait_for_selector(".flash.ok")

    pages = [server["url"] + viewer, server["url"] + step]
    for url, name in zip(pages, ("redaction-bars-viewer", "redaction-bars-step"), strict=True):
        assert _assert_black_bars(page, url + "?lang=de", "[geschwärzt: Daten Dritter]",
                                  name + "-de") >= 2
    assert _assert_black_bars(page, pages[0] + "?lang=en", "[redacted: Third party") >= 2

    page.goto(detail + "?tab=draft&lang=de")
    page.click("#action-approve")
    page.click("#confirm-step")
    wait_for_status(page, detail + "?tab=draft", "Ausführung")
    page.click("#action-release")
    page.click("#confirm-step")
    wait_for_status(page, detail + "?tab=draft", "Abgeschlossen")

    page.goto(pages[0] + "?lang=de")
    assert page.locator("#viewer-released").is_visible()
    for url, name in zip(pages, ("redaction-bars-viewer", "redaction-bars-step"), strict=True):
        assert _assert_black_bars(page, url + "?lang=de", "[geschwärzt: Daten Dritter]",
                                  name + "-released-de") >= 2
    assert _assert_black_bars(page, pages[1] + "?lang=en", "[redacted: Third party") >= 2
    for tab in ("overview", "draft", "correspondence", "audit"):
        _assert_black_bars(page, f"{detail}?tab={tab}&lang=de", "[geschwärzt")
    context.close()


@pytest.mark.parametrize(("language", "spoken"), [("de", "[geschwärzt"), ("en", "[redacted")])
def test_the_customers_html_answer_shows_black_bars(browser: Any, language: str,
                                                    spoken: str) -> None:
    from dsr.answers.report.html import render_access_html
    from tests.dsr.answers.test_reports_pdf import make_payload

    payload = make_payload(language)
    payload["sections"][0]["tables"][1]["rows"][0][1] = "Abgabe bei Frau ████ [1], Nr. 4"
    payload["redactions"] = [{"mark": 1, "reason": "third_party", "count": 1}]
    page = browser.new_page()
    page.set_content(render_access_html(payload).decode())
    found = page.evaluate(_BARS)
    assert not found["loose"] and len(found["bars"]) == 3
    for bar in found["bars"]:
        assert bar["background"] == BLACK and bar["glyphs"] == BLACK, bar
        assert bar["role"] == "img" and bar["label"].startswith(spoken), bar
    page.close()
