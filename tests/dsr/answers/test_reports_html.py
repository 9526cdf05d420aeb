"""The access report as an accessible HTML page: the same payload as the PDF, the language
on the document, one h1 and nested headings with a contents list, tables with captions and
header cells, values escaped, no script; its one style allowed by the hash the portal sends."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from dsr.answers.report.html import STYLE, STYLE_HASH, render_access_html
from dsr.answers.report.pdf import render_access_report
from tests.dsr.answers.test_reports_pdf import make_payload, page_texts


class Outline(HTMLParser):
    """Headings, tables and their header cells as a screen reader meets them."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.lang = ""
        self.tables = self.captions = self.col_headers = self.scripts = 0
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.col_headers += tag == "th" and found.get("scope") == "col"
        self.scripts += tag == "script"
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and str(found.get("href", "")).startswith("#"):
            self.links.append(str(found["href"])[1:])


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_page_is_structured_for_assistive_technology(language: str) -> None:
    outline = Outline()
    outline.feed(render_access_html(make_payload(language)).decode())
    assert outline.lang == language and outline.scripts == 0
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    # No level skipped on the way down.
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert outline.tables == outline.captions > 5 and outline.col_headers > outline.tables
    assert outline.links and set(outline.links) <= outline.ids  # every contents link lands


def test_the_page_says_what_the_pdf_says() -> None:
    payload = make_payload("de")
    html = render_access_html(payload).decode()
    pdf = " ".join(page_texts(render_access_report(payload)))
    for section in payload["sections"]:
        for table in section["tables"]:
            for row in table["rows"]:
                assert str(row[0]) in html and str(row[0]) in pdf
    for text in ("Bestellungen", "Betrugsprävention", "§ 29 Abs. 1 S. 2 BDSG", "Jürgen Weiß"):
        assert text in html


def test_values_are_escaped() -> None:
    html = render_access_html(make_payload("de")).decode()
    assert "Hinweis &lt;intern&gt; &amp; Co" in html and "<intern>" not in html


def test_the_style_hash_is_the_styles() -> None:
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    assert f"sha256-{digest}" == STYLE_HASH
    assert f"<style>{STYLE}</style>" in render_access_html(make_payload("en")).decode()


@pytest.mark.parametrize(("language", "spoken"), [("de", "[geschwärzt: Daten Dritter (Art. 15"),
                                                  ("en", "[redacted: Other people's data")])
def test_a_redaction_is_a_bar_with_a_spoken_label(language: str, spoken: str) -> None:
    payload = make_payload(language)
    payload["sections"][0]["tables"][1]["rows"][0][1] = "Abgabe bei Frau ████ [1], Nr. 4"
    payload["redactions"] = [{"mark": 1, "reason": "third_party", "count": 1}]
    html = render_access_html(payload).decode()
    bars = re.findall(r'<span class="redacted" role="img" aria-label="([^"]*)">'
                      r'<span class="redaction-bar" aria-hidden="true">████</span> \[1\]</span>',
                      html)
    # the mark in the copy and in the legend, each a bar read out with its reason
    assert len(bars) == 2 and all(b.replace("&#39;", "'").startswith(spoken) for b in bars)
    assert "Abgabe bei Frau <span" in html
    # the legend's introduction names the bar: a bar too, read out without a reason
    assert html.count("████") == html.count('<span class="redaction-bar"') == 3
    assert ".redacted{background:#111" in STYLE and ".redaction-bar{color:#111}" in STYLE
