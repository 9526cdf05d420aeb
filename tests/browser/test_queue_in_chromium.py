"""The queue in a real headless Chromium against a real `dsr serve`: a DPO searches by e-mail
address, filters to overdue requests and assigns one to herself with the queue's checkboxes;
the page reads in German and English. Screenshots in test-artifacts/."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.support.browser import ask, shot, sign_in

pytestmark = pytest.mark.browser


def _make_overdue(server: dict[str, Any], reference: str) -> None:
    """The request as if its deadline had passed three days ago (a request keyed in late)."""
    engine = create_engine(f"sqlite:///{server['workdir'] / 'dsr-data' / 'service.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE requests SET due_on = :day WHERE reference = :ref"),
                      {"day": date.today() - timedelta(days=3), "ref": reference})
    engine.dispose()


def test_search_filter_and_assign_to_herself(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(locale="de-DE")
    late = ask(page, server, "access")
    _make_overdue(server, late)
    other = ask(page, server, "erasure")  # the same customer, not overdue
    sign_in(page, server)

    page.fill("#q", server["email"].upper())
    page.click("#apply-filters")
    listed = page.locator("#queue-table tbody").inner_text()
    assert late in listed and other in listed and "Jürgen Weiß" in listed
    assert page.locator("#queue-table tbody tr").count() == 2
    shot(page, "queue-01-search-by-email")

    page.check("#f-overdue")
    page.click("#apply-filters")
    assert page.locator("#f-overdue").is_checked()  # the filter stays set
    rows = page.locator("#queue-table tbody tr")
    assert rows.count() == 1 and late in rows.first.inner_text()
    assert "1 von 1 Anfragen" in page.locator("#queue-count").inner_text()

    page.check("#select-all")
    assert page.locator(f"tr[data-reference='{late}'] .row-check").is_checked()
    page.select_option("#bulk-assignee", "me")
    page.click("#bulk-assign")
    assert "Anfragen zugewiesen: 1." in page.locator(".flash.ok").inner_text()
    row = page.locator(f"tr[data-reference='{late}']")
    assert row.locator(".assignee").inner_text() == "koordinator"
    assert page.locator("#f-overdue").is_checked()  # back on the same filtered page
    shot(page, "queue-02-overdue-assigned")

    page.click("#view-mine")
    mine = page.locator("#queue-table tbody").inner_text()
    assert late in mine and other not in mine
    page.goto(server["url"] + "/queue/?view=overdue&lang=en")
    assert "1 of 1 requests" in page.locator("#queue-count").inner_text()
    assert page.locator("label[for=q]").inner_text() == "Search"
    shot(page, "queue-03-overdue-english")


# the right edges the browser measures: the table's, its scroll container's, the last header
# cell's, and how far the container could scroll sideways (a hidden column scrolls)
_EDGES = """() => {
  const table = document.querySelector('#queue-table');
  const box = table.parentElement;
  const heads = table.querySelectorAll('thead th');
  return {table: table.getBoundingClientRect().right, box: box.getBoundingClientRect().right,
          last: heads[heads.length - 1].getBoundingClientRect().right,
          viewport: document.documentElement.clientWidth,
          scroll: box.scrollWidth, client: box.clientWidth};
}"""


@pytest.mark.parametrize("width", [1280, 1400])
def test_no_column_is_cut_off_in_german(server: dict[str, Any], browser: Any, width: int) -> None:
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    reference = ask(page, server, "access")
    _make_overdue(server, reference)  # the badge, the waiting hint and the red days all shown
    ask(page, server, "erasure")  # and a second row beside it
    sign_in(page, server)
    page.check(f"tr[data-reference='{reference}'] .row-check")
    page.select_option("#bulk-assignee", "me")
    page.click("#bulk-assign")
    for lang in ("de", "en"):
        page.goto(server["url"] + f"/queue/?status=all&lang={lang}")
        assert page.locator("#queue-table tbody tr").count() > 1
        edges = page.evaluate(_EDGES)
        assert edges["scroll"] <= edges["client"], (lang, edges)  # nothing to scroll to
        assert edges["table"] <= edges["box"] <= edges["viewport"], (lang, edges)
        assert edges["last"] <= edges["box"], (lang, edges)
        assert page.locator(f"tr[data-reference='{reference}'] .assignee").is_visible()
        if width == 1280:
            shot(page, f"queue.{lang}")
    context.close()
