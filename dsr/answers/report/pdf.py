"""Render the Art. 15 GDPR access report (or the Art. 20 portability answer) as a PDF.

:func:`render_access_report` is a pure function: it takes the serialised report payload and
returns PDF bytes. The only I/O is reading the DejaVu fonts shipped in ``dsr/fonts`` (once
per process), so umlauts and ß render on any machine.

Order: cover letter; contents; decisions; the information of Art. 15(1)(a)-(h) and (2);
the copy of the data (Art. 15(3)); the service's own records; the redaction legend. A
portability answer (``answer = "portability"``) has its own title and letter, the data the
subject provided (observed data included) and the Art. 20(2) transmission instead.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics  # noqa: F401 - tests patch font registration here
from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate
from reportlab.platypus.flowables import Flowable, PageBreak, Spacer
from reportlab.platypus.frames import Frame
from reportlab.platypus.paragraph import Paragraph

from dsr.answers.report import strings
from dsr.answers.report.article15 import article15_story
from dsr.answers.report.canvas import Anchor, Contents, NumberedCanvas, Toc
from dsr.answers.report.data import data_story, own_records_story, redactions_story
from dsr.answers.report.layout import (
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    S,
    cell_width,
    grid,
    heading,
    key_values,
    lines,
    markup,
    register_fonts,
)

__all__ = ["register_fonts", "render_access_report"]


def _letter(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Flowable]:
    """The cover letter: sender, addressee, date, subject line, text, key facts."""
    ctrl, subject = p.get("controller") or {}, p.get("subject") or {}
    request, reference = p.get("request") or {}, markup(p.get("reference"))
    sender = " · ".join(escape(x) for x in [ctrl.get("name") or "", *(ctrl.get("address") or [])]
                        if x)
    received = markup(strings.format_date(request.get("received_at"), lang))
    types = ", ".join(strings.right_label(lang, r) for r in request.get("types") or [])
    name = subject.get("name") or ""
    story: list[Flowable] = [
        Paragraph(sender, S["meta"]), Spacer(1, 4),
        Paragraph(lines(name, *(subject.get("address") or []), subject.get("email")), S["address"]),
        Spacer(1, 18),
        Paragraph(markup(strings.format_date(p.get("generated_at"), lang)), S["body"]),
        Paragraph(escape(t[_kind(p, "letter_subject")].format(reference=p.get("reference") or "")),
                  S["h2"]),
        Paragraph(escape(t["letter_salutation"].format(name=name)).strip(), S["letter"]),
        # a postal answer is printed and posted: its cover names no portal it never opened
        Paragraph(t[_kind(p, "letter_body_postal" if request.get("postal") else "letter_body")]
                  .format(received=received), S["letter"]),
        Paragraph(t[_kind(p, "letter_body_2")].format(reference=reference,
                                            email=markup(ctrl.get("email"))), S["letter"]),
        Paragraph(escape(t["letter_close"]), S["letter"]),
        Paragraph(escape(t["letter_signature"].format(controller=ctrl.get("name") or "")),
                  S["letter"]),
        Spacer(1, 12),
    ]
    facts = [
        (t["reference"], reference),
        (t["request_types"], markup(types)),
        (t["received"], received),
        (t["due"], markup(strings.format_date(request.get("due"), lang))),
        (t["controller"], lines(ctrl.get("name"), *ctrl.get("address") or [], ctrl.get("email"))),
    ]
    dpo = ctrl.get("dpo")
    if dpo:  # only a controller that has one names its data protection officer
        facts.append((t["dpo"], lines(dpo.get("name"), *dpo.get("address") or [],
                                      dpo.get("email"))))
    return [*story, key_values(facts)]


def _kind(p: Mapping[str, Any], key: str) -> str:
    """The text key for the answer's kind: ``<key>_art20`` in a portability answer."""
    return f"{key}_art20" if p.get("answer") == "portability" else key


def _transmission(p: Mapping[str, Any], t: Mapping[str, str], head: Any) -> list[Flowable]:
    """Art. 20(2): the direct transmission to another controller, or why there is none."""
    found = p.get("transmission") or {}
    return [*head("transmission", t["art20_transmission"], 0),
            Paragraph(escape(str(found.get("text") or "")), S["body"])]


def _decisions(p: Mapping[str, Any], lang: str, t: Mapping[str, str],
               head: Any) -> list[Flowable]:
    """The table of decisions per right and category, with norms and reasons."""
    story = head("decisions", t["decisions"], 0)
    decisions = p.get("decisions") or []
    if not decisions:
        return [*story, Paragraph(escape(t["decisions_draft"]), S["body"])]
    keys = ("col_right", "col_category", "col_outcome", "col_norm", "col_reason")
    rows = [[strings.right_label(lang, d.get("right")), d.get("category_label") or d.get("category"),
             strings.outcome_label(lang, d.get("outcome")), d.get("norm"), d.get("reason")]
            for d in decisions]
    return [*story, grid([t[k] for k in keys], rows)]


def _overview(p: Mapping[str, Any], t: Mapping[str, str]) -> list[Flowable]:
    """Record counts per data category: the same rows as Art. 15(1)(b) (the service's own
    records of the subject's requests included), so the two never disagree."""
    sections = p.get("sections") or []
    if not sections:
        return []
    counts = [[s.get("label") or s.get("category"),
               sum(len(x.get("rows") or []) for x in s.get("tables") or [])] for s in sections]
    if categories := (p.get("register") or {}).get("categories"):
        counts = [[c.get("label"), c.get("records")] for c in categories]
    return [*heading(t["overview"], "h2"), grid([t["col_category"], t["records_col"]], counts)]


def render_access_report(payload: Mapping[str, Any]) -> bytes:
    """Render the access report described by ``payload`` and return the PDF bytes.

    Every page carries the reference, the generation date and "page N of M"; the contents
    list every section with its page.
    """
    register_fonts()
    try:
        return _render(payload)
    finally:
        # The remembered widths and dates hold words and dates of the subject's data: they
        # serve one rendering and are not kept in the process after it.
        cell_width.cache_clear()
        strings.clear_caches()


def _render(payload: Mapping[str, Any]) -> bytes:
    lang = strings.normalise_language(payload.get("language"))
    t = strings.texts_for(lang)
    reference = str(payload.get("reference") or "")
    controller = str((payload.get("controller") or {}).get("name") or "")
    toc = Toc(entries=[])

    def head(key: str, title: str, level: int) -> list[Flowable]:
        toc.entries.append((key, title, level))
        style, room = ("h1", 60 * mm) if level == 0 else ("h2", 45 * mm)
        return [*heading(title, style, room), Anchor(toc, key, title, level)]

    body: list[Flowable] = [*_decisions(payload, lang, t, head), *_overview(payload, t)]
    if payload.get("register"):
        body += [PageBreak(), *article15_story(payload["register"], t, lang, head)]
    body += [PageBreak(), *data_story(payload.get("sections") or [], t, lang, head,
                                      payload.get("systems"), title=t[_kind(payload, "data")])]
    if payload.get("answer") == "portability":
        body += _transmission(payload, t, head)
    elif payload.get("own_records"):
        body += [PageBreak(), *own_records_story(payload["own_records"], t, lang, head)]
    if payload.get("redactions"):
        body += redactions_story(payload["redactions"], t, lang, head)
    story = [*_letter(payload, lang, t), PageBreak(),
             Paragraph(escape(t["toc"]), S["h1"]), Contents(toc), PageBreak(), *body]

    title = " · ".join(x for x in (t[_kind(payload, "title")], controller) if x)
    generated = f"{t['generated']}: {strings.format_date(payload.get('generated_at'), lang)}"
    header = (title, f"{t['reference']}: {reference}")
    canvasmaker = partial(NumberedCanvas, header=header, footer=(generated, t["page"]), toc=toc)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"{t[_kind(payload, 'title')]} – {reference}",
        author=controller,
        lang=lang, invariant=True, initialFontName="DejaVuSans",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="report", frames=[frame])])
    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()
