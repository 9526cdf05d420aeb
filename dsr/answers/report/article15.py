"""The information of Art. 15(1)(a)-(h) and (2) GDPR, one section per letter, from the
payload's ``register`` part (built from the register version in force and this subject's
records: the actual recipients, the credit checks actually made)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus.flowables import Flowable, KeepTogether
from reportlab.platypus.paragraph import Paragraph

from dsr.answers.report import strings
from dsr.answers.report.layout import S, bullets, grid, lines, markup, para

HeadingMaker = Callable[[str, str, int], list[Flowable]]


def _when(t: Mapping[str, str], lang: str, seen: Mapping[str, Any] | None) -> str:
    """'9 times, 30 May 2015 to 12 Mar 2024' (or once, or nothing known)."""
    if not seen or not seen.get("first"):
        return "—"
    first = strings.format_date(seen["first"], lang)
    last = strings.format_date(seen.get("last"), lang)
    if seen.get("count", 1) == 1 or first == last:
        return t["when_once"].format(first=first)
    return t["when_range"].format(count=seen["count"], first=first, last=last)


def _recipients(reg: Mapping[str, Any], t: Mapping[str, str], lang: str) -> list[Flowable]:
    kind = strings.recipient_kind_label
    story: list[Flowable] = []
    actual = reg.get("recipients") or []
    if actual:
        story.append(para(t["recipients_actual"]))
        story.append(grid(
            [t["col_recipient"], t["col_role"], t["col_occasions"], t["col_when"]],
            [[f"{r.get('name')} ({r.get('country')})", f"{r.get('role')}; {kind(lang, r.get('kind'))}",
              r.get("occasion"), _when(t, lang, r.get("seen"))] for r in actual]))
    else:
        story.append(para(t["recipients_none"]))
    if others := reg.get("recipient_groups") or []:
        story.append(para(t["recipients_other"]))
        story.append(grid(
            [t["col_recipient"], t["col_role"], t["col_kind"], t["col_country"]],
            [[r.get("name"), r.get("role"), kind(lang, r.get("kind")), r.get("country")]
             for r in others]))
    return story


def _retention(reg: Mapping[str, Any], t: Mapping[str, str]) -> list[Flowable]:
    story: list[Flowable] = []
    if rules := reg.get("retention") or []:
        story.append(para(t["retention_intro"]))
        story.append(grid([t["col_category"], t["col_period"], t["col_norm"]],
                          [[x.get("label"), x.get("period"), x.get("norm")] for x in rules]))
    if deletion := reg.get("deletion") or []:
        story.append(para(t["deletion_intro"]))
        story.append(grid([t["col_purpose"], t["retention"]],
                          [[d.get("purpose"), d.get("text")] for d in deletion]))
    return story


def _sources(reg: Mapping[str, Any], t: Mapping[str, str], lang: str) -> list[Flowable]:
    story: list[Flowable] = []
    if external := reg.get("external") or []:
        story.append(para(t["external_intro"]))
        story += bullets([t["external_score"].format(
            score=x.get("score"), bureau=x.get("source"),
            date=strings.format_date(x.get("date"), lang)) for x in external])
    if sources := reg.get("sources") or []:
        story.append(para(t["sources_intro"]))
        story += bullets([f"{s.get('purpose')}: {s.get('text')}" if isinstance(s, Mapping)
                          else s for s in sources])
    return story


def _automated(reg: Mapping[str, Any], t: Mapping[str, str], lang: str) -> list[Flowable]:
    decisions = reg.get("automated") or []
    if not decisions:
        return [para(t["automated_none"])]
    story: list[Flowable] = []
    for item in decisions:
        story.append(Paragraph(markup(item.get("label")), S["h3"]))
        story.append(KeepTogether([Paragraph(escape(t["automated_logic"]), S["h3"]),
                                   para(item.get("logic") or "")]))
        if bands := item.get("bands") or []:
            story.append(KeepTogether([
                Paragraph(escape(t["automated_bands"]), S["h3"]),
                grid([t["col_score_from"], t["col_result"], t["col_options"]],
                     [[b.get("min_score"), b.get("label"), ", ".join(b.get("options") or [])]
                      for b in bands])]))
        rows = [[strings.format_date(d.get("date"), lang), d.get("requested"), d.get("score"),
                 d.get("result"), ", ".join(d.get("options") or [])]
                for d in item.get("decisions") or []]
        header = [t["col_date"], t["col_requested"], t["col_score"], t["col_result"],
                  t["col_options"]]
        story.append(KeepTogether([Paragraph(escape(t["automated_yours"]), S["h3"]),
                                   grid(header, rows[:3])]))
        if rows[3:]:
            story.append(grid(header, rows[3:]))
        story.append(KeepTogether([Paragraph(escape(t["automated_consequences"]), S["h3"]),
                                   para(item.get("consequences") or "")]))
    return story


def article15_story(reg: Mapping[str, Any], t: Mapping[str, str], lang: str,
                    head: HeadingMaker) -> list[Flowable]:
    """The sections (a) to (h) and Art. 15(2), each under its own heading."""
    story = head("info", t["register"], 0)
    as_of = reg.get("as_of") or {}
    if as_of.get("date"):  # the version's hash stays in the JSON: a reader needs number and date
        date = strings.format_date(as_of["date"], lang)
        text = (t["register_as_of"].format(number=as_of["number"], date=date)
                if as_of.get("number") else t["register_as_of_date"].format(date=date))
        story.append(para(text, "meta"))
    story += head("lit-a", t["lit_a"], 1)
    story.append(grid([t["col_purpose"], t["col_norm"], t["col_categories"]],
                      [[x.get("label"), x.get("legal_basis"), ", ".join(x.get("categories") or [])]
                       for x in reg.get("purposes") or []]))
    story += head("lit-b", t["lit_b"], 1)
    story.append(grid([t["col_category"], t["records_col"]],
                      [[c.get("label"), c.get("records")] for c in reg.get("categories") or []]))
    story += head("lit-c", t["lit_c"], 1) + _recipients(reg, t, lang)
    story += head("lit-d", t["lit_d"], 1) + _retention(reg, t)
    story += head("lit-e", t["lit_e"], 1)
    story += [para(t["rights_intro"]), *bullets(reg.get("rights") or [])]
    story += head("lit-f", t["lit_f"], 1)
    complaint = reg.get("complaint") or {}
    story += [para(t["complaint_text"]),
              Paragraph(lines(complaint.get("name"), complaint.get("address")), S["bullet"]),
              para(t["remedy_text"])]
    story += head("lit-g", t["lit_g"], 1) + _sources(reg, t, lang)
    story += head("lit-h", t["lit_h"], 1) + _automated(reg, t, lang)
    story += head("par-2", t["par_2"], 1)
    if transfers := reg.get("transfers") or []:
        story.append(grid([t["col_recipient"], t["col_country"], t["col_safeguard"]],
                          [[x.get("recipient"), x.get("country"), x.get("safeguard")]
                           for x in transfers]))
    else:
        story.append(para(t["transfers_none"]))
    return story

