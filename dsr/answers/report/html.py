"""Render the Art. 15 GDPR access report as accessible HTML, beside the PDF.

:func:`render_access_html` is a pure function of the same payload the PDF is built from
(:func:`dsr.answers.report.pdf.render_access_report`), in the same order: cover letter,
decisions, Art. 15(1)(a)-(h) and (2), the copy of the data, the service's own records, the
redaction legend. It is one self-contained page (WCAG 2.1 AA): ``lang`` on the document,
one ``h1`` and nested headings, a table of contents, data tables with a caption and
header cells (``scope``), no script, its style in one ``<style>`` element that the portal
allows by its hash (``STYLE_HASH``) so the file reads the same downloaded or in the browser.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from dsr.answers.report import strings, values
from dsr.answers.report.article15 import _when
from dsr.rendering import template_env

TEMPLATE = "reports/access_report.html"
#: The document's only style, allowed by its hash in the portal's Content-Security-Policy.
STYLE = ("body{font:16px/1.5 'DejaVu Sans',Arial,sans-serif;color:#1f2933;max-width:62rem;"
         "margin:1.5rem auto;padding:0 1rem}h1{font-size:1.6rem}h2{font-size:1.3rem;"
         "margin-top:2rem;border-bottom:1px solid #bcccdc}h3{font-size:1.1rem}"
         "table{border-collapse:collapse;margin:.6rem 0 1.2rem;width:100%}"
         "caption{text-align:left;font-weight:700;padding:.3rem 0}"
         "th,td{border:1px solid #9fb3c8;padding:.3rem .5rem;text-align:left;vertical-align:top}"
         "th{background:#eef2f6}.meta{color:#3e4c59;font-size:.9rem}"
         "dl{display:grid;grid-template-columns:14rem 1fr;gap:.2rem 1rem}dt{font-weight:700}"
         "dd{margin:0;white-space:pre-line}.address{white-space:pre-line}"
         ".wide{overflow-x:auto}.wide:focus{outline:3px solid #ffbf47}"
         ".redacted{background:#111;color:#fff;border-radius:2px;padding:0 .15rem;"
         "white-space:nowrap}.redaction-bar{color:#111}")
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
#: A redaction's mark in the copy (:func:`dsr.answers.redaction.mark`), or the bar alone
#: where the legend's introduction names it.
MARK = re.compile(r"████(?: \[(\d+)\])?")


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class Section:
    """One heading (level 2 or 3) with paragraphs, lists and tables in order."""

    key: str
    title: str
    level: int
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def para(self, text: Any) -> None:
        self.blocks.append(("p", "" if text is None else str(text)))

    def items(self, items: Sequence[Any]) -> None:
        if items:
            self.blocks.append(("ul", [str(i) for i in items]))

    def table(self, caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        shown = [["—" if v in (None, "") else v for v in row] for row in rows]
        self.blocks.append(("table", Table(caption, list(header), shown)))


def _decisions(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> Section:
    section = Section("decisions", t["decisions"], 2)
    decisions = p.get("decisions") or []
    if not decisions:
        section.para(t["decisions_draft"])
        return section
    keys = ("col_right", "col_category", "col_outcome", "col_norm", "col_reason")
    section.table(t["decisions"], [t[k] for k in keys],
                  [[strings.right_label(lang, d.get("right")),
                    d.get("category_label") or d.get("category"),
                    strings.outcome_label(lang, d.get("outcome")), d.get("norm"), d.get("reason")]
                   for d in decisions])
    if sections := p.get("sections") or []:
        section.table(t["overview"], [t["col_category"], t["records_col"]],
                      [[s.get("label") or s.get("category"),
                        sum(len(x.get("rows") or []) for x in s.get("tables") or [])]
                       for s in sections])
    return section


def _article15(reg: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Section]:
    kind = strings.recipient_kind_label
    top = Section("info", t["register"], 2)
    as_of = reg.get("as_of") or {}
    if as_of.get("date"):
        date = strings.format_date(as_of["date"], lang)
        top.para(t["register_as_of"].format(number=as_of["number"], date=date)
                 if as_of.get("number") else t["register_as_of_date"].format(date=date))
    a = Section("lit-a", t["lit_a"], 3)
    a.table(t["lit_a"], [t["col_purpose"], t["col_norm"], t["col_categories"]],
            [[x.get("label"), x.get("legal_basis"), ", ".join(x.get("categories") or [])]
             for x in reg.get("purposes") or []])
    b = Section("lit-b", t["lit_b"], 3)
    b.table(t["lit_b"], [t["col_category"], t["records_col"]],
            [[c.get("label"), c.get("records")] for c in reg.get("categories") or []])
    c = Section("lit-c", t["lit_c"], 3)
    if actual := reg.get("recipients") or []:
        c.para(t["recipients_actual"])
        c.table(t["recipients_actual"],
                [t["col_recipient"], t["col_role"], t["col_occasions"], t["col_when"]],
                [[f"{r.get('name')} ({r.get('country')})",
                  f"{r.get('role')}; {kind(lang, r.get('kind'))}", r.get("occasion"),
                  _when(t, lang, r.get("seen"))] for r in actual])
    else:
        c.para(t["recipients_none"])
    if others := reg.get("recipient_groups") or []:
        c.para(t["recipients_other"])
        c.table(t["recipients_other"],
                [t["col_recipient"], t["col_role"], t["col_kind"], t["col_country"]],
                [[r.get("name"), r.get("role"), kind(lang, r.get("kind")), r.get("country")]
                 for r in others])
    d = Section("lit-d", t["lit_d"], 3)
    if rules := reg.get("retention") or []:
        d.para(t["retention_intro"])
        d.table(t["lit_d"], [t["col_category"], t["col_period"], t["col_norm"]],
                [[x.get("label"), x.get("period"), x.get("norm")] for x in rules])
    if deletion := reg.get("deletion") or []:
        d.para(t["deletion_intro"])
        d.table(t["deletion_intro"], [t["col_purpose"], t["retention"]],
                [[x.get("purpose"), x.get("text")] for x in deletion])
    e = Section("lit-e", t["lit_e"], 3)
    e.para(t["rights_intro"])
    e.items(reg.get("rights") or [])
    f = Section("lit-f", t["lit_f"], 3)
    complaint = reg.get("complaint") or {}
    f.para(t["complaint_text"])
    f.para("\n".join(str(x) for x in (complaint.get("name"), complaint.get("address")) if x))
    f.para(t["remedy_text"])
    g = Section("lit-g", t["lit_g"], 3)
    if external := reg.get("external") or []:
        g.para(t["external_intro"])
        g.items([t["external_score"].format(score=x.get("score"), bureau=x.get("source"),
                                            date=strings.format_date(x.get("date"), lang))
                 for x in external])
    if sources := reg.get("sources") or []:
        g.para(t["sources_intro"])
        g.items([f"{s.get('purpose')}: {s.get('text')}" if isinstance(s, Mapping) else s
                 for s in sources])
    h = Section("lit-h", t["lit_h"], 3)
    automated = reg.get("automated") or []
    if not automated:
        h.para(t["automated_none"])
    for item in automated:
        h.para(item.get("label"))
        h.para(f"{t['automated_logic']}: {item.get('logic') or ''}")
        if bands := item.get("bands") or []:
            h.table(t["automated_bands"], [t["col_score_from"], t["col_result"], t["col_options"]],
                    [[x.get("min_score"), x.get("label"), ", ".join(x.get("options") or [])]
                     for x in bands])
        h.table(t["automated_yours"], [t["col_date"], t["col_requested"], t["col_score"],
                                       t["col_result"], t["col_options"]],
                [[strings.format_date(x.get("date"), lang), x.get("requested"), x.get("score"),
                  x.get("result"), ", ".join(x.get("options") or [])]
                 for x in item.get("decisions") or []])
        h.para(f"{t['automated_consequences']}: {item.get('consequences') or ''}")
    par2 = Section("par-2", t["par_2"], 3)
    if transfers := reg.get("transfers") or []:
        par2.table(t["par_2"], [t["col_recipient"], t["col_country"], t["col_safeguard"]],
                   [[x.get("recipient"), x.get("country"), x.get("safeguard")] for x in transfers])
    else:
        par2.para(t["transfers_none"])
    return [top, a, b, c, d, e, f, g, h, par2]


def _data(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Section]:
    top = Section("data", t["data"], 2)
    systems = p.get("systems") or {}
    if searched := systems.get("searched") or []:
        top.para(t["systems_searched"].format(systems=", ".join(searched)))
    if pending := systems.get("not_searched") or []:
        top.para(t["systems_pending"].format(systems=", ".join(pending)))
    found = [top]
    sections = p.get("sections") or []
    if not sections:
        top.para(t["no_data"])
    for number, spec in enumerate(sections, 1):
        section = Section(f"data-{number}",
                          f"{number}. {spec.get('label') or spec.get('category')}", 3)
        if not spec.get("tables"):
            section.para(t["no_data"])
        for table in spec.get("tables") or []:
            _data_table(section, table, lang, t)
        found.append(section)
    return found


def _data_table(section: Section, spec: Mapping[str, Any], lang: str,
                t: Mapping[str, str]) -> None:
    columns = spec.get("columns") or []
    shows = [values.formatter(c, lang) for c in columns]
    rows = [[show(v) for show, v in zip(shows, row, strict=False)] + list(row[len(shows):])
            for row in spec.get("rows") or []]
    labels = [str(c.get("label") or c.get("name") or "") for c in columns]
    title = str(spec.get("label") or spec.get("table") or "")
    source = f"{t['source']}: {spec.get('system_label') or spec.get('system')}"
    section.para(f"{title} — {source} · {t['records'].format(count=len(rows))}")
    if spec.get("note"):
        section.para(spec["note"])
    if not rows or not labels:
        section.para(t["no_data"])
    else:
        section.table(title, labels, rows)


def _own(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Section]:
    own = p.get("own_records")
    if not own:
        return []
    section = Section("own", t["own_records"], 2)
    section.para(t["own_records_intro"])
    if requests := own.get("requests") or []:
        keys = ("col_reference", "col_received", "col_types", "col_status", "col_closed")
        section.table(t["own_records"], [t[k] for k in keys],
                      [[r.get("reference"), strings.format_date(r.get("received_at"), lang),
                        ", ".join(strings.right_label(lang, x) for x in r.get("types") or []),
                        strings.status_label(lang, r.get("status")),
                        strings.format_date(r.get("closed_at"), lang) if r.get("closed_at")
                        else None] for r in requests])
    for extra in own.get("tables") or []:
        _data_table(section, extra, lang, t)
    return [section]


def _redactions(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[Section]:
    redactions = p.get("redactions") or []
    if not redactions:
        return []
    section = Section("redactions", t["redactions"], 2)
    section.para(t["redactions_intro"])
    section.table(t["redactions"], [t["redactions_mark"], t["col_reason"], t["col_count"]],
                  [[f"████ [{r.get('mark')}]", strings.redaction_reason_label(lang, r.get("reason")),
                    r.get("count")] for r in redactions])
    return [section]


def _bars(p: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> Any:
    """A function that shows a value with each redaction's mark as a black bar, read out as
    "[geschwärzt: reason]" (its reason from the legend) instead of four block characters."""
    reasons = {str(r.get("mark")): strings.redaction_reason_label(lang, r.get("reason"))
               for r in p.get("redactions") or []}

    def bar(found: re.Match[str]) -> str:
        number = found.group(1)
        reason = reasons.get(number or "")
        label = (t["redaction_spoken"].format(reason=reason) if reason
                 else t["redaction_spoken_plain"])
        return (f'<span class="redacted" role="img" aria-label="{escape(label)}">'
                f'<span class="redaction-bar" aria-hidden="true">████</span>'
                f'{f" [{number}]" if number else ""}</span>')

    def bars(value: Any) -> Markup:
        return Markup(MARK.sub(bar, str(escape(value))))
    return bars


def render_access_html(payload: Mapping[str, Any]) -> bytes:
    """The access report described by ``payload`` as one accessible HTML page (UTF-8)."""
    lang = strings.normalise_language(payload.get("language"))
    t = strings.texts_for(lang)
    ctrl, subject = payload.get("controller") or {}, payload.get("subject") or {}
    request = payload.get("request") or {}
    received = strings.format_date(request.get("received_at"), lang)
    sections = [_decisions(payload, lang, t)]
    if payload.get("register"):
        sections += _article15(payload["register"], lang, t)
    sections += _data(payload, lang, t) + _own(payload, lang, t) + _redactions(payload, lang, t)
    facts = [(t["reference"], payload.get("reference")),
             (t["request_types"], ", ".join(strings.right_label(lang, r)
                                            for r in request.get("types") or [])),
             (t["received"], received), (t["due"], strings.format_date(request.get("due"), lang)),
             (t["controller"], "\n".join(str(x) for x in [ctrl.get("name"),
                                                          *(ctrl.get("address") or []),
                                                          ctrl.get("email")] if x))]
    if dpo := ctrl.get("dpo"):
        facts.append((t["dpo"], "\n".join(str(x) for x in [dpo.get("name"),
                                                           *(dpo.get("address") or []),
                                                           dpo.get("email")] if x)))
    html = template_env().get_template(TEMPLATE).render(
        lang=lang, t=t, style=STYLE, sections=sections, facts=facts,
        bars=_bars(payload, lang, t),
        reference=payload.get("reference") or "", controller=ctrl.get("name") or "",
        generated=strings.format_date(payload.get("generated_at"), lang),
        addressee="\n".join(str(x) for x in [subject.get("name"), *(subject.get("address") or []),
                                             subject.get("email")] if x),
        letter=[t["letter_salutation"].format(name=subject.get("name") or "").strip(),
                t["letter_body"].format(received=received),
                t["letter_body_2"].format(reference=payload.get("reference") or "",
                                          email=ctrl.get("email") or ""),
                t["letter_close"], t["letter_signature"].format(controller=ctrl.get("name") or "")])
    return html.encode("utf-8")
