"""The report's look: fonts, paragraph and table styles, and the building blocks (cells,
headings, page-wide tables whose header repeats after a page break)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus.flowables import CondPageBreak, Flowable
from reportlab.platypus.paragraph import Paragraph
from reportlab.platypus.tables import CellStyle, Table, TableStyle

Row = Sequence[Any]
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20 * mm, 22 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CELL_SIZE, CELL_PAD = 8.5, 4.0
EMPTY = "—"
INK, MUTED, RULE = HexColor("#1f2933"), HexColor("#616e7c"), HexColor("#9aa5b1")
HEAD_BG, ZEBRA = HexColor("#334e68"), HexColor("#eef2f6")

_font_lock = threading.Lock()


class _SplitOnceFont(TTFont):
    """A TrueType font that remembers, per document, how a text splits into its subsets.

    reportlab maps every character of every string drawn to the document's font subset, in
    Python, each time; a report draws the same labels, dashes and dates hundreds of times.
    Once a text has been split its characters are assigned, so splitting it again in the same
    document gives the same chunks: the remembered ones are returned. The cache lives in the
    font's per-document state and goes with it."""

    def splitString(self, text: Any, doc: Any, encoding: str = "utf-8") -> Any:  # noqa: N802
        state = self.state.get(doc)
        cache = getattr(state, "dsr_split_cache", None) if state is not None else None
        if cache is None:
            chunks = super().splitString(text, doc, encoding)
            self.state[doc].dsr_split_cache = {text: chunks}
            return chunks
        chunks = cache.get(text)
        if chunks is None:
            chunks = cache[text] = super().splitString(text, doc, encoding)
        return chunks


def register_fonts() -> None:
    """Register the shipped DejaVu Sans fonts with reportlab (once per process)."""
    with _font_lock:
        if FONT_BOLD in pdfmetrics.getRegisteredFontNames():
            return
        font_dir = resources.files("dsr") / "fonts"
        for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
            data = (font_dir / filename).read_bytes()
            pdfmetrics.registerFont(_SplitOnceFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )


def _style(name: str, size: float, bold: bool = False, **kw: Any) -> ParagraphStyle:
    """A paragraph style in the report font."""
    kw.setdefault("textColor", INK)
    kw.setdefault("leading", size * 1.25)
    return ParagraphStyle(name, fontName=FONT_BOLD if bold else FONT, fontSize=size, **kw)


S: Mapping[str, ParagraphStyle] = {
    "title": _style("title", 18, True, spaceAfter=10),
    "h1": _style("h1", 14, True, spaceBefore=6, spaceAfter=8),
    "h2": _style("h2", 11, True, spaceBefore=12, spaceAfter=4),
    "h3": _style("h3", 9.5, True, spaceBefore=8, spaceAfter=1),
    "body": _style("body", 9.5, spaceBefore=4, spaceAfter=6, leading=13),
    "letter": _style("letter", 10, spaceAfter=8, leading=14),
    "address": _style("address", 10, leading=13),
    "meta": _style("meta", 8, textColor=MUTED, spaceAfter=3),
    "bullet": _style("bullet", 9.5, leftIndent=12, bulletIndent=2, bulletFontName=FONT,
                     spaceAfter=2, leading=13),
    "toc": _style("toc", 10, leading=17),
    "cell": _style("cell", CELL_SIZE),
    "label": _style("label", CELL_SIZE, True),
    "th": _style("th", CELL_SIZE, True, textColor=white),
}


class _Cell(CellStyle):
    """Every cell's look as the defaults of its style: vertical alignment, padding, font, size,
    leading and colour. A table built with :func:`table` starts its cells from these instead
    of applying one style command per property to every cell (a report has thousands)."""

    valign = "TOP"
    leftPadding = rightPadding = CELL_PAD
    topPadding, bottomPadding = 2.5, 3
    fontname, fontsize, leading, color = FONT, CELL_SIZE, CELL_SIZE * 1.25, INK


def table(data: list[list[Any]], style: TableStyle, cls: type[Table] = Table,
          **kw: Any) -> Table:
    """A ``cls`` table of ``data`` whose cells start from the report's cell look, then
    ``style``."""
    ncols = max((len(row) for row in data), default=0)
    built = cls(data, cellStyles=[[_Cell("cell") for _ in range(ncols)] for _ in data], **kw)
    built.setStyle(style)
    return built


_BASE = [("BOX", (0, 0), (-1, -1), 0.4, RULE)]
_ZEBRA_BODY = ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, ZEBRA])
_HEAD_TEXT = [("FONTNAME", (0, 0), (-1, 0), FONT_BOLD), ("TEXTCOLOR", (0, 0), (-1, 0), white)]
GRID_STYLE = TableStyle([*_BASE, ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), *_HEAD_TEXT,
                         _ZEBRA_BODY])
_RECORD = [*_BASE, ("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), MUTED), *_HEAD_TEXT,
           _ZEBRA_BODY, ("FONTNAME", (0, 1), (0, -1), FONT_BOLD)]
RECORD_STYLE = TableStyle(_RECORD)
KEPT_RECORD_STYLE = TableStyle([*_RECORD, ("NOSPLIT", (0, 0), (-1, -1))])
"""A record block that never breaks across pages."""
KEY_VALUE_STYLE = TableStyle([*_BASE, ("ROWBACKGROUNDS", (0, 0), (-1, -1), [ZEBRA, white])])


def markup(value: Any) -> str:
    """Escape a value for Paragraph markup, keeping line breaks; ``None`` becomes a dash."""
    if value is None or value == "":
        return EMPTY
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br/>")


def lines(*values: Any) -> str:
    """Escaped non-empty values joined by line breaks."""
    return "<br/>".join(markup(v) for v in values if v) or EMPTY


def cell(value: Any, style: str = "cell") -> Paragraph:
    """A word-wrapped, escaped table cell."""
    return Paragraph(markup(value), S[style])


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped here)."""
    return Paragraph(markup(text), S[style])


def bullets(items: Sequence[Any]) -> list[Flowable]:
    """One bullet paragraph per item."""
    return [Paragraph(markup(i), S["bullet"], bulletText="•") for i in items]


def heading(text: Any, style: str, room: float = 35 * mm) -> list[Flowable]:
    """A heading that moves to the next page unless ``room`` is left below it."""
    return [CondPageBreak(room), Paragraph(markup(text), S[style])]


@lru_cache(maxsize=8192)
def cell_width(text: str, font: str) -> float:
    """The width of ``text`` in ``font`` at cell size. Labels, dashes, dates and words repeat
    across a report's tables, so the widths are remembered (a pure function of its arguments)
    during one rendering; ``render_access_report`` clears them after it."""
    return stringWidth(text, font, CELL_SIZE)


def _text_width(text: str, font: str) -> tuple[float, float]:
    """Natural one-line width and longest-word width of ``text`` at cell size."""
    natural = max((cell_width(line, font) for line in text.splitlines()), default=0.0)
    longest = max((cell_width(word, font) for word in text.split()), default=0.0)
    return natural, longest


def column_widths(header: Sequence[str], rows: Sequence[Row]) -> list[float]:
    """Auto layout like HTML tables: fit the page width, wrap the longest columns first."""
    sample, pad = rows[:: max(1, len(rows) // 200)], 2 * CELL_PAD + 1
    mins, nats = [], []
    for i, label in enumerate(header):
        nat, low = _text_width(label, FONT_BOLD)
        for row in sample:
            if i < len(row) and row[i] is not None:
                n, w = _text_width(str(row[i]), FONT)
                nat, low = max(nat, n), max(low, w)
        mins.append(min(low, FRAME_WIDTH * 0.3) + pad)
        nats.append(min(nat, FRAME_WIDTH) + pad)
    if sum(nats) <= FRAME_WIDTH:  # everything fits on one line: stretch to the page width
        return [n * FRAME_WIDTH / sum(nats) for n in nats]
    # Columns narrower than a fair share keep their natural width; the others share the rest.
    widths, left, wrap = list(nats), FRAME_WIDTH, sorted(range(len(nats)), key=nats.__getitem__)
    while wrap and nats[wrap[0]] <= left / len(wrap):
        left -= nats[wrap.pop(0)]
    low, flex = sum(mins[i] for i in wrap), sum(nats[i] - mins[i] for i in wrap)
    for i in wrap:
        extra = 0.0 if low >= left or not flex else (left - low) * (nats[i] - mins[i]) / flex
        widths[i] = mins[i] * min(1.0, left / low) + extra
    return widths


FIT_SLACK = 0.5
"""Points a one-line cell keeps free of its column's inner width (callers pass the room less
this); wrapped text uses the whole inner width, as a Paragraph does."""
_UNUSUAL = re.compile(r"[\xad]|[^\S \t\n\r]")  # a soft hyphen, or other white space


def _wrapped(text: str, font: str, width: float) -> list[str] | None:
    """``text`` broken into the lines a Paragraph of ``width`` points shows (greedy at white
    space, which collapses, a line's spaces shrinking by up to 5 %; line breaks kept); None when
    a Paragraph must lay it out: a word wider than the column, an empty line, a soft hyphen or
    unusual white space."""
    if _UNUSUAL.search(text):
        return None
    space = cell_width(" ", font)
    shrink = 0.05 * space  # ParagraphStyle.spaceShrinkage
    lines: list[str] = []
    for source in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        words = source.split()
        if not words:
            return None
        line: list[str] = []
        used = -space
        for word in words:
            word_width = cell_width(word, font)
            if word_width > width:
                return None
            if line and used + space + word_width > width + shrink * len(line):
                lines.append(" ".join(line))
                line, used = [], -space
            line.append(word)
            used += space + word_width
        lines.append(" ".join(line))
    return lines


def fitting_cell(value: Any, room: float, style: str = "cell") -> Any:
    """Plain text when every word fits the column (``room``: its inner width less
    :data:`FIT_SLACK`), broken into the lines a Paragraph would show; else a word-wrapped
    Paragraph. Plain text is fast to lay out and draw, which matters for 5,000-row tables and
    for the many small record blocks of a typical answer. The table's style must set the
    matching font (bold for ``label`` and ``th``, white for ``th``)."""
    text = EMPTY if value is None or value == "" else str(value)
    font = FONT_BOLD if style in ("label", "th") else FONT
    if "\n" not in text and "\r" not in text and cell_width(text, font) <= room:
        return text
    lines = _wrapped(text, font, room + FIT_SLACK)
    return "\n".join(lines) if lines is not None else cell(value, style)


def grid(header: Sequence[str], rows: Sequence[Row]) -> Table:
    """A zebra-striped, page-wide table whose header row repeats after page breaks."""
    n = len(header)
    widths = column_widths(header, rows)
    rooms = [w - 2 * CELL_PAD - FIT_SLACK for w in widths]
    data: list[list[Any]] = [[fitting_cell(h, rooms[i], "th") for i, h in enumerate(header)]]
    data += [[fitting_cell(v, rooms[i]) for i, v in enumerate((list(row) + [None] * n)[:n])]
             for row in rows]
    return table(data, GRID_STYLE, colWidths=widths, repeatRows=1)


def key_values(pairs: Sequence[tuple[str, str]], split: float = 0.3) -> Table:
    """A two-column table of bold labels and (already marked-up) values."""
    rows = [[Paragraph(escape(k), S["label"]), Paragraph(v, S["cell"])] for k, v in pairs]
    return table(rows, KEY_VALUE_STYLE, colWidths=[FRAME_WIDTH * split, FRAME_WIDTH * (1 - split)])
