"""A print-ready business letter in DIN 5008 layout, form B (for DL/C6-5 window envelopes).

Geometry (DIN 5008:2020, form B; mm from the top-left corner of an A4 sheet):

- address field 20 from the left, 45 from the top, 85 wide, 45 high; inside it the text starts
  5 mm in (at 25). Its top 17.7 mm are the "Zusatz- und Vermerkzone" (return line and postal
  notes, 8 pt, filled from the bottom up to the imaginary line at 62.7), the remaining 27.3 mm
  the "Anschriftzone" (up to 6 lines of the recipient's address, from the line downwards);
- information block (your/our reference, date) 125 from the left, 50 from the top, 75 wide;
- fold marks at 105 and 210, the hole mark at 148.5 (on the left edge);
- text 25 from the left, 20 from the right; the subject two lines below the address field.

:func:`render_letter` is pure: a :class:`Letter` in, PDF bytes out. The DejaVu fonts shipped
in ``dsr/fonts`` make umlauts and ß print on any machine.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer

from dsr.answers.letters.letter import Letter, LetterError

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_W, PAGE_H = A4
FIELD_LEFT, FIELD_TOP, FIELD_W, FIELD_H = 20 * mm, 45 * mm, 85 * mm, 45 * mm
FIELD_INSET = 5 * mm
NOTE_ZONE_H = 17.7 * mm  # return line and postal notes, bottom-up
ADDRESS_LINE = FIELD_TOP + NOTE_ZONE_H  # 62.7 mm: the recipient's address starts below it
INFO_LEFT, INFO_TOP, INFO_W = 125 * mm, 50 * mm, 75 * mm
TEXT_LEFT, TEXT_RIGHT = 25 * mm, 20 * mm
BODY_TOP_FIRST = FIELD_TOP + FIELD_H + 8.46 * mm  # two lines below the field
FOLD_MARKS, HOLE_MARK = (105 * mm, 210 * mm), 148.5 * mm
_LABELS = {
    "de": {"your_ref": "Ihr Zeichen", "our_ref": "Unser Zeichen", "date": "Datum",
           "page": "Seite {n}", "attachments": "Anlagen"},
    "en": {"your_ref": "Your reference", "our_ref": "Our reference", "date": "Date",
           "page": "Page {n}", "attachments": "Enclosures"},
}
_lock = threading.Lock()


def register_fonts() -> None:
    with _lock:
        registered = pdfmetrics.getRegisteredFontNames()
        for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
            if name not in registered:
                data = (resources.files("dsr") / "fonts" / filename).read_bytes()
                pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))


def _y(top_mm_value: float) -> float:
    """reportlab counts from the bottom; DIN 5008 from the top."""
    return PAGE_H - top_mm_value


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> str:
    while text and canvas.stringWidth(text, font, size) > width:
        text = text[:-1]
    return text


def format_date(value: date, language: str) -> str:
    if language == "de":
        return value.strftime("%d.%m.%Y")
    return f"{value.day} {value.strftime('%B %Y')}"


def _first_page(letter: Letter) -> Callable[[Canvas, Any], None]:
    labels = _LABELS.get(letter.language, _LABELS["de"])

    def draw(canvas: Canvas, _doc: object) -> None:
        canvas.saveState()
        # Letterhead (the 45 mm above the address field): sender on the right.
        canvas.setFont(FONT_BOLD, 13)
        canvas.drawString(INFO_LEFT, _y(18 * mm), letter.sender_name)
        canvas.setFont(FONT, 8.5)
        for i, line in enumerate([*letter.sender_lines, *letter.contact]):
            canvas.drawString(INFO_LEFT, _y(23 * mm + i * 4 * mm), line)
        # Address field: notes and return line bottom-up above the line, address below it.
        text_x, width = FIELD_LEFT + FIELD_INSET, FIELD_W - FIELD_INSET
        above = [*reversed(letter.notes), letter.return_line] if letter.return_line else \
            list(reversed(letter.notes))
        canvas.setFont(FONT, 7)
        for i, line in enumerate(above[:5]):
            canvas.drawString(text_x, _y(ADDRESS_LINE - 1.2 * mm - i * 3.5 * mm),
                              _fit(canvas, line, FONT, 7, width))
        if letter.return_line:
            y = _y(ADDRESS_LINE - 0.6 * mm)
            canvas.setLineWidth(0.3)
            canvas.line(text_x, y, text_x + min(width, canvas.stringWidth(
                letter.return_line, FONT, 7)), y)
        canvas.setFont(FONT, 10)
        for i, line in enumerate(letter.recipient):
            canvas.drawString(text_x, _y(ADDRESS_LINE + 4.2 * mm + i * 4.55 * mm), line)
        # Information block.
        rows = [(labels["your_ref"], letter.your_reference), (labels["our_ref"], letter.reference),
                (labels["date"], format_date(letter.letter_date, letter.language))]
        y = INFO_TOP + 3 * mm
        for label, value in rows:
            if not value:
                continue
            canvas.setFont(FONT, 7.5)
            canvas.drawString(INFO_LEFT, _y(y), label)
            canvas.setFont(FONT, 10)
            canvas.drawString(INFO_LEFT, _y(y + 4.2 * mm), value)
            y += 9.5 * mm
        _marks(canvas)
        canvas.restoreState()

    return draw


def _marks(canvas: Canvas) -> None:
    canvas.setLineWidth(0.4)
    for top in FOLD_MARKS:
        canvas.line(3 * mm, _y(top), 8 * mm, _y(top))
    canvas.line(3 * mm, _y(HOLE_MARK), 10 * mm, _y(HOLE_MARK))


def _later_pages(letter: Letter) -> Callable[[Canvas, Any], None]:
    labels = _LABELS.get(letter.language, _LABELS["de"])

    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.drawString(TEXT_LEFT, _y(12 * mm), f"{letter.sender_name} · {letter.reference}")
        canvas.drawRightString(PAGE_W - TEXT_RIGHT, _y(12 * mm),
                               labels["page"].format(n=doc.page))
        _marks(canvas)
        canvas.restoreState()

    return draw


def _check(letter: Letter) -> None:
    if not letter.recipient or len(letter.recipient) > 6:
        raise LetterError("recipient: 1 to 6 address lines fit the window")
    register_fonts()
    too_wide = [line for line in letter.recipient
                if pdfmetrics.stringWidth(line, FONT, 10) > FIELD_W - FIELD_INSET]
    if too_wide:
        raise LetterError("recipient: an address line is wider than the window (80 mm)")


def render_letter(letter: Letter) -> bytes:
    """The letter as PDF bytes: page 1 with letterhead, window address and information block,
    further pages with a short header and page numbers."""
    _check(letter)
    out = io.BytesIO()
    width = PAGE_W - TEXT_LEFT - TEXT_RIGHT
    doc = BaseDocTemplate(out, pagesize=A4, title=letter.subject, author=letter.sender_name,
                          leftMargin=TEXT_LEFT, rightMargin=TEXT_RIGHT)
    first = Frame(TEXT_LEFT, 20 * mm, width, PAGE_H - BODY_TOP_FIRST - 20 * mm, id="first",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    later = Frame(TEXT_LEFT, 20 * mm, width, PAGE_H - 25 * mm - 20 * mm, id="later",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([
        PageTemplate(id="first", frames=[first], onPage=_first_page(letter), autoNextPageTemplate="later"),
        PageTemplate(id="later", frames=[later], onPage=_later_pages(letter)),
    ])
    text = ParagraphStyle("text", fontName=FONT, fontSize=10.5, leading=14.5, spaceAfter=8)
    bold = ParagraphStyle("subject", parent=text, fontName=FONT_BOLD, spaceAfter=14)
    story: list[object] = [Paragraph(escape(letter.subject), bold)]
    for paragraph in letter.body:
        story.append(Paragraph(escape(paragraph).replace("\n", "<br/>"), text))
    if letter.closing:
        story += [Spacer(1, 4), Paragraph(escape(letter.closing), text)]
    for line in letter.signature:
        story.append(Paragraph(escape(line), ParagraphStyle("sig", parent=text, spaceAfter=0)))
    if letter.attachments:
        labels = _LABELS.get(letter.language, _LABELS["de"])
        story += [Spacer(1, 14), Paragraph(escape(labels["attachments"]), ParagraphStyle("atthead", parent=text, fontName=FONT_BOLD, spaceAfter=2))]
        story += [Paragraph(escape(a), ParagraphStyle("att", parent=text, spaceAfter=0))
                  for a in letter.attachments]
    doc.build(story)
    return out.getvalue()
