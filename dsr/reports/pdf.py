"""Render the Art. 15 GDPR access report as a PDF.

:func:`render_access_report` is a pure function: it takes the serialised report
payload and returns PDF bytes. The only I/O is reading the DejaVu fonts shipped
in ``dsr/fonts`` (once per process), so umlauts and ß render on any machine.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from functools import partial
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
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate
from reportlab.platypus.flowables import CondPageBreak, Flowable, PageBreak, Spacer
from reportlab.platypus.frames import Frame
from reportlab.platypus.paragraph import Paragraph
from reportlab.platypus.tables import Table, TableStyle

from dsr.reports import strings

__all__ = ["register_fonts", "render_access_report"]

Row = Sequence[Any]
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 22 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CELL_SIZE, CELL_PAD = 8.5, 4.0
WIDE_TABLE_COLUMNS = 6  # more columns than this: one label/value block per row
KEEP_RECORD_FIELDS = 30  # label/value blocks up to this size never break across pages
EMPTY = "—"
INK, MUTED, RULE = HexColor("#1f2933"), HexColor("#616e7c"), HexColor("#9aa5b1")
HEAD_BG, ZEBRA = HexColor("#334e68"), HexColor("#eef2f6")

_font_lock = threading.Lock()


def register_fonts() -> None:
    """Register the shipped DejaVu Sans fonts with reportlab (once per process)."""
    with _font_lock:
        if FONT_BOLD in pdfmetrics.getRegisteredFontNames():
            return
        font_dir = resources.files("dsr") / "fonts"
        for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
            data = (font_dir / filename).read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )


def _style(name: str, size: float, bold: bool = False, **kw: Any) -> ParagraphStyle:
    """Build a paragraph style in the report font."""
    kw.setdefault("textColor", INK)
    kw.setdefault("leading", size * 1.25)
    return ParagraphStyle(name, fontName=FONT_BOLD if bold else FONT, fontSize=size, **kw)


S: Mapping[str, ParagraphStyle] = {
    "title": _style("title", 18, True, spaceAfter=10),
    "h1": _style("h1", 13, True, spaceBefore=4, spaceAfter=6),
    "h2": _style("h2", 11, True, spaceBefore=10, spaceAfter=4),
    "h3": _style("h3", 9.5, True, spaceBefore=8, spaceAfter=1),
    "body": _style("body", 9.5, spaceAfter=6, leading=13),
    "meta": _style("meta", 8, textColor=MUTED, spaceAfter=3),
    "bullet": _style("bullet", 9.5, leftIndent=12, bulletIndent=2, bulletFontName=FONT, spaceAfter=2),
    "cell": _style("cell", CELL_SIZE),
    "label": _style("label", CELL_SIZE, True),
    "th": _style("th", CELL_SIZE, True, textColor=white),
}
_BASE = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.4, RULE),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("FONTNAME", (0, 0), (-1, -1), FONT),  # cells hold Paragraphs; avoids a stray Helvetica
]
_ZEBRA_BODY = ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, ZEBRA])
GRID_STYLE = TableStyle([*_BASE, ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), _ZEBRA_BODY])
RECORD_STYLE = TableStyle(
    [*_BASE, ("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), MUTED), _ZEBRA_BODY]
)
KEY_VALUE_STYLE = TableStyle([*_BASE, ("ROWBACKGROUNDS", (0, 0), (-1, -1), [ZEBRA, white])])


def _markup(value: Any) -> str:
    """Escape a value for Paragraph markup, keeping line breaks; ``None`` becomes a dash."""
    if value is None or value == "":
        return EMPTY
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br/>")


def _cell(value: Any, style: str = "cell") -> Paragraph:
    """A word-wrapped, escaped table cell."""
    return Paragraph(_markup(value), S[style])


def _heading(text: Any, style: str, room: float = 35 * mm) -> list[Flowable]:
    """A heading that moves to the next page unless ``room`` is left below it."""
    return [CondPageBreak(room), Paragraph(_markup(text), S[style])]


def _text_width(text: str, font: str) -> tuple[float, float]:
    """Natural one-line width and longest-word width of ``text`` at cell size."""
    natural = max((stringWidth(line, font, CELL_SIZE) for line in text.splitlines()), default=0.0)
    longest = max((stringWidth(word, font, CELL_SIZE) for word in text.split()), default=0.0)
    return natural, longest


def _column_widths(header: Sequence[str], rows: Sequence[Row]) -> list[float]:
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
        extra = 0.0 if low >= left else (left - low) * (nats[i] - mins[i]) / flex
        widths[i] = mins[i] * min(1.0, left / low) + extra
    return widths


def _grid(header: Sequence[str], rows: Sequence[Row]) -> Table:
    """A zebra-striped, page-wide table whose header row repeats after page breaks."""
    n = len(header)
    data = [[_cell(h, "th") for h in header]]
    data += [[_cell(v) for v in (list(row) + [None] * n)[:n]] for row in rows]
    table = Table(data, colWidths=_column_widths(header, rows), repeatRows=1)
    table.setStyle(GRID_STYLE)
    return table


def _records(labels: Sequence[str], rows: Sequence[Row], t: Mapping[str, str]) -> list[Flowable]:
    """Render each row of a wide table as its own two-column label/value block."""
    blocks: list[Flowable] = []
    for index, row in enumerate(rows, 1):
        title = t["record"].format(index=index, count=len(rows))
        data: list[list[Any]] = [[_cell(title, "th"), ""]]
        data += [
            [_cell(label, "label"), _cell(row[i] if i < len(row) else None)]
            for i, label in enumerate(labels)
        ]
        table = Table(data, colWidths=[FRAME_WIDTH * 0.32, FRAME_WIDTH * 0.68], repeatRows=1)
        table.setStyle(RECORD_STYLE)
        if len(labels) <= KEEP_RECORD_FIELDS:
            table.setStyle([("NOSPLIT", (0, 0), (-1, -1))])
        blocks += [table, Spacer(1, 5)]
    return blocks


def _data_table(spec: Mapping[str, Any], t: Mapping[str, str], lang: str) -> list[Flowable]:
    """Heading, source line, note and content of one stored table."""
    rows: Sequence[Row] = [[strings.display_value(v, lang) for v in row]
                           for row in spec.get("rows") or []]
    labels = [str(c.get("label") or c.get("name") or "") for c in spec.get("columns") or []]
    story = _heading(spec.get("label") or spec.get("table"), "h3", 45 * mm)
    source = f"{escape(t['source'])}: {_markup(spec.get('system_label') or spec.get('system'))}"
    count = escape(t["records"].format(count=len(rows)))
    story.append(Paragraph(f"{source} · {count}", S["meta"]))
    if spec.get("note"):
        story.append(Paragraph(_markup(spec["note"]), S["meta"]))
    if not rows or not labels:
        story.append(Paragraph(escape(t["no_data"]), S["body"]))
    elif len(labels) > WIDE_TABLE_COLUMNS:
        story += _records(labels, rows, t)
    else:
        story.append(_grid(labels, rows))
    return story


def _data_story(sections: Sequence[Mapping[str, Any]], t: Mapping[str, str],
                lang: str) -> list[Flowable]:
    """All stored data, one numbered heading per data category."""
    story = [Paragraph(escape(t["data"]), S["h1"])]
    if not sections:
        story.append(Paragraph(escape(t["no_data"]), S["body"]))
    for number, section in enumerate(sections, 1):
        label = section.get("label") or section.get("category")
        story += _heading(f"{number}. {label}", "h2", 55 * mm)
        if not section.get("tables"):
            story.append(Paragraph(escape(t["no_data"]), S["body"]))
        for spec in section.get("tables") or []:
            story += _data_table(spec, t, lang)
    return story


def _lines(*values: Any) -> str:
    """Escaped non-empty values joined by line breaks."""
    return "<br/>".join(_markup(v) for v in values if v) or EMPTY


def _cover(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Flowable]:
    """Title, key facts of the request and the explanatory paragraph."""
    ctrl, subject = p.get("controller") or {}, p.get("subject") or {}
    request, reference = p.get("request") or {}, _markup(p.get("reference"))
    types = ", ".join(strings.right_label(lang, r) for r in request.get("types") or [])
    facts = [
        (t["controller"], _lines(ctrl.get("name"), *ctrl.get("address") or [], ctrl.get("email"))),
        (t["subject"], _lines(subject.get("name"), subject.get("email"))),
        (t["reference"], reference),
        (t["request_types"], _markup(types)),
        (t["received"], _markup(strings.format_date(request.get("received_at"), lang))),
        (t["due"], _markup(strings.format_date(request.get("due"), lang))),
        (t["generated"], _markup(strings.format_date(p.get("generated_at"), lang))),
    ]
    rows = [[Paragraph(escape(k), S["label"]), Paragraph(v, S["cell"])] for k, v in facts]
    table = Table(rows, colWidths=[FRAME_WIDTH * 0.3, FRAME_WIDTH * 0.7])
    table.setStyle(KEY_VALUE_STYLE)
    intro = t["intro"].format(reference=reference, email=_markup(ctrl.get("email")))
    title = Paragraph(escape(t["title"]), S["title"])
    return [title, table, Spacer(1, 10), Paragraph(intro, S["body"])]


def _summary(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Flowable]:
    """Record counts per data category and the table of decisions, if any."""
    story: list[Flowable] = []
    if sections := p.get("sections") or []:
        counts = [
            [s.get("label") or s.get("category"), sum(len(x.get("rows") or []) for x in tables)]
            for s, tables in ((s, s.get("tables") or []) for s in sections)
        ]
        story += _heading(t["overview"], "h2")
        story.append(_grid([t["col_category"], t["records_col"]], counts))
    if decisions := p.get("decisions") or []:
        keys = ("col_right", "col_category", "col_outcome", "col_norm", "col_reason")
        rows = [
            [strings.right_label(lang, d.get("right")), d.get("category_label") or d.get("category"),
             strings.outcome_label(lang, d.get("outcome")), d.get("norm"), d.get("reason")]
            for d in decisions
        ]
        header = [t[k] for k in keys]
        story += [*_heading(t["decisions"], "h2"), _grid(header, rows)]
    return story


def _register(reg: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Flowable]:
    """The Art. 15(1)(a)-(h) information: purposes, recipients, retention, sources, rights."""
    story: list[Flowable] = [Paragraph(escape(t["register"]), S["h1"])]
    kind = partial(strings.recipient_kind_label, lang)
    grids = [
        ("purposes", ["col_purpose", "col_norm", "col_categories"],
         [[x.get("label"), x.get("legal_basis"), ", ".join(x.get("categories") or [])]
          for x in reg.get("purposes") or []]),
        ("recipients", ["col_recipient", "col_kind", "col_role", "col_when"],
         [[x.get("name"), kind(x.get("kind")), x.get("role"), x.get("when")]
          for x in reg.get("recipients") or []]),
        ("retention", ["col_category", "col_period", "col_norm"],
         [[x.get("label"), x.get("period"), x.get("norm")] for x in reg.get("retention") or []]),
    ]
    for title, header, rows in grids:
        if rows:
            story += [*_heading(t[title], "h2"), _grid([t[h] for h in header], rows)]
    for title in ("sources", "rights"):
        if items := reg.get(title) or []:
            story += _heading(t[title], "h2", 20 * mm)
            story += [Paragraph(_markup(i), S["bullet"], bulletText="•") for i in items]
    if complaint := reg.get("complaint") or {}:
        story += _heading(t["complaint"], "h2", 25 * mm)
        story.append(Paragraph(escape(t["complaint_text"]), S["body"]))
        authority = _lines(complaint.get("name"), complaint.get("address"))
        story.append(Paragraph(authority, S["bullet"]))
    return story


class _NumberedCanvas(Canvas):
    """Canvas that draws header and footer once the total page count is known.

    ``header`` is ``(left text, right text)``; ``footer`` is ``(left text, page format)``
    where the page format has ``{page}`` and ``{total}`` placeholders.
    """

    def __init__(
        self, *args: Any, header: tuple[str, str], footer: tuple[str, str], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self._header, self._footer = header, footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's method name
        """Remember the finished page instead of emitting it right away."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Decorate every page with "page N of M", then write the document."""
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
        room = FRAME_WIDTH - stringWidth(reference, FONT, 7.5) - 12
        while len(title) > 1 and stringWidth(title, FONT, 7.5) > room:
            title = title[:-2] + "…"
        top, bottom, right = PAGE_HEIGHT - 13 * mm, 11 * mm, PAGE_WIDTH - MARGIN_X
        self.drawString(MARGIN_X, top, title)
        self.drawRightString(right, top, reference)
        self.line(MARGIN_X, top - 2.5 * mm, right, top - 2.5 * mm)
        self.line(MARGIN_X, bottom + 3.5 * mm, right, bottom + 3.5 * mm)
        self.drawString(MARGIN_X, bottom, generated)
        self.drawRightString(right, bottom, page_text.format(page=page, total=total))
        self.restoreState()


def render_access_report(payload: Mapping[str, Any]) -> bytes:
    """Render the access report described by ``payload`` and return the PDF bytes.

    Layout: cover (key facts, explanation, overview, decisions), then the stored
    data per category, then the Art. 15(1) register information if present.
    Every page carries the reference, the generation date and "page N of M".
    """
    register_fonts()
    lang = strings.normalise_language(payload.get("language"))
    t = strings.texts_for(lang)
    reference = str(payload.get("reference") or "")
    controller = str((payload.get("controller") or {}).get("name") or "")
    story = [*_cover(payload, lang, t), *_summary(payload, lang, t), PageBreak()]
    story += _data_story(payload.get("sections") or [], t, lang)
    if payload.get("register"):
        story += [PageBreak(), *_register(payload["register"], lang, t)]

    title = " · ".join(x for x in (t["title"], controller) if x)
    generated = f"{t['generated']}: {strings.format_date(payload.get('generated_at'), lang)}"
    header = (title, f"{t['reference']}: {reference}")
    canvasmaker = partial(_NumberedCanvas, header=header, footer=(generated, t["page"]))
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"{t['title']} – {reference}", author=controller,
        lang=lang, invariant=True, initialFontName=FONT,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="report", frames=[frame])])
    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()
