"""Page furniture in one pass: the running header and footer ("page N of M") and the table of
contents' page numbers are drawn when the document is saved, once every page is known.

A heading places an :class:`Anchor`, which notes its page; the :class:`Contents` flowable
draws the entries and leaves the numbers to the canvas. The PDF also gets an outline
(bookmarks) and clickable contents entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.flowables import Flowable

from dsr.answers.report.layout import (
    FONT,
    FONT_BOLD,
    FRAME_WIDTH,
    INK,
    MARGIN_X,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
)

TOC_SIZE, TOC_LEADING = 10.0, 17.0


@dataclass
class Toc:
    """Shared between the flowables and the canvas of one rendering."""

    entries: list[tuple[str, str, int]]  # key, title, level (0 or 1)
    pages: dict[str, int] = field(default_factory=dict)
    slots: list[tuple[int, str, float, float]] = field(default_factory=list)  # page, key, x, y


class Anchor(Flowable):
    """Zero-size marker: notes the page of a heading and adds a bookmark."""

    def __init__(self, toc: Toc, key: str, title: str, level: int) -> None:
        super().__init__()
        self.toc, self.key, self.title, self.level = toc, key, title, level
        self.width = self.height = 0

    def wrap(self, *_: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canv = self.canv
        self.toc.pages[self.key] = canv.getPageNumber()
        canv.bookmarkPage(self.key)
        canv.addOutlineEntry(self.title, self.key, level=self.level, closed=True)


class Contents(Flowable):
    """The table of contents: titles now, page numbers when the canvas is saved."""

    def __init__(self, toc: Toc) -> None:
        super().__init__()
        self.toc = toc

    def wrap(self, width: float, height: float) -> tuple[float, float]:
        self.width = width
        return width, len(self.toc.entries) * TOC_LEADING

    def draw(self) -> None:
        canv = self.canv
        page = canv.getPageNumber()
        y = len(self.toc.entries) * TOC_LEADING - TOC_SIZE
        for key, title, level in self.toc.entries:
            font = FONT_BOLD if level == 0 else FONT
            indent = 0 if level == 0 else 14
            canv.setFont(font, TOC_SIZE)
            canv.setFillColor(INK)
            room = self.width - indent - 40
            while len(title) > 1 and stringWidth(title, font, TOC_SIZE) > room:
                title = title[:-2] + "…"
            canv.drawString(indent, y, title)
            x, y_abs = canv.absolutePosition(self.width, y)
            self.toc.slots.append((page, key, x, y_abs))
            canv.linkRect("", key, (indent, y - 3, self.width, y + TOC_SIZE), relative=1,
                          thickness=0)
            y -= TOC_LEADING


class NumberedCanvas(Canvas):
    """Canvas that decorates every page once the total page count is known.

    ``header`` is ``(left text, right text)``; ``footer`` is ``(left text, page format)``
    where the page format has ``{page}`` and ``{total}`` placeholders.
    """

    def __init__(self, *args: Any, header: tuple[str, str], footer: tuple[str, str],
                 toc: Toc | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._header, self._footer, self._toc = header, footer, toc
        self._pages: list[dict[str, Any]] = []
        #: The header's title shortened to fit, once (shared by the saved page states).
        self._fitted: dict[str, str] = {}

    def showPage(self) -> None:  # reportlab's method name
        """Remember the finished page instead of emitting it right away."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Decorate every page with "page N of M" and the contents' numbers, then write."""
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(self._pageNumber, len(self._pages))
            super().showPage()
        super().save()

    def _decorate(self, page: int, total: int) -> None:
        """Draw the running header (title, reference) and footer (date, page N of M)."""
        (title, reference), (generated, page_text) = self._header, self._footer
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.4)
        if "title" not in self._fitted:  # the same on every page: shortened once
            room = FRAME_WIDTH - stringWidth(reference, FONT, 7.5) - 12
            while len(title) > 1 and stringWidth(title, FONT, 7.5) > room:
                title = title[:-2] + "…"
            self._fitted["title"] = title
        title = self._fitted["title"]
        top, bottom, right = PAGE_HEIGHT - 13 * mm, 11 * mm, PAGE_WIDTH - MARGIN_X
        self.drawString(MARGIN_X, top, title)
        self.drawRightString(right, top, reference)
        self.line(MARGIN_X, top - 7, right, top - 7)
        self.line(MARGIN_X, bottom + 10, right, bottom + 10)
        self.drawString(MARGIN_X, bottom, generated)
        self.drawRightString(right, bottom, page_text.format(page=page, total=total))
        if self._toc is not None:
            self.setFont(FONT, TOC_SIZE)
            self.setFillColor(INK)
            for slot_page, key, x, y in self._toc.slots:
                if slot_page == page and key in self._toc.pages:
                    self.drawRightString(x, y, str(self._toc.pages[key]))
        self.restoreState()
