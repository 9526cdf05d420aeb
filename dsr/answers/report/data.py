"""The copy of the subject's data (Art. 15(3)): one heading per category, one table per system
table. Narrow tables are grids; wide tables with few rows become one label/value block per
record; wide tables with many rows are split into column groups that repeat the first column,
so 5,000 orders still read as tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus.flowables import Flowable, Spacer
from reportlab.platypus.paragraph import Paragraph
from reportlab.platypus.tables import Table

from dsr.answers.report import strings, values
from dsr.answers.report.layout import (
    CELL_PAD,
    FIT_SLACK,
    FRAME_WIDTH,
    KEPT_RECORD_STYLE,
    RECORD_STYLE,
    Row,
    S,
    fitting_cell,
    grid,
    heading,
    markup,
    para,
    table,
)

WIDE_TABLE_COLUMNS = 7  # more columns than this: records or column groups
RECORD_BLOCK_ROWS = 25  # wide tables up to this many rows: one block per record
KEEP_RECORD_FIELDS = 8  # label/value blocks up to this size never break across pages
MIN_SPLIT_FIELDS = 4  # a larger block breaks only with this many fields on either page

HeadingMaker = Callable[[str, str, int], list[Flowable]]


class RecordTable(Table):
    """One record's label/value block. It may break across pages (its title row repeats), so
    a page is filled instead of left half blank before a block that no longer fits — but never
    so that fewer than :data:`MIN_SPLIT_FIELDS` fields stand alone on either page."""

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts = super().split(availWidth, availHeight)
        if len(parts) == 2 and min(part._nrows - 1 for part in parts) < MIN_SPLIT_FIELDS:
            return []  # the whole block moves to the next page
        return parts


def _records(labels: Sequence[str], rows: Sequence[Row], t: Mapping[str, str]) -> list[Flowable]:
    """Each row of a wide table as its own two-column label/value block."""
    blocks: list[Flowable] = []
    widths = [FRAME_WIDTH * 0.32, FRAME_WIDTH * 0.68]
    label_room, value_room = (w - 2 * CELL_PAD - FIT_SLACK for w in widths)
    title_room = FRAME_WIDTH - 2 * CELL_PAD - FIT_SLACK  # the title spans both columns
    for index, row in enumerate(rows, 1):
        title = t["record"].format(index=index, count=len(rows))
        data: list[list[Any]] = [[fitting_cell(title, title_room, "th"), ""]]
        data += [[fitting_cell(label, label_room, "label"),
                  fitting_cell(row[i] if i < len(row) else None, value_room)]
                 for i, label in enumerate(labels)]
        style = RECORD_STYLE if len(labels) > KEEP_RECORD_FIELDS else KEPT_RECORD_STYLE
        blocks += [table(data, style, RecordTable, colWidths=widths, repeatRows=1),
                   Spacer(1, 5)]
    return blocks


def _column_groups(labels: Sequence[str], rows: Sequence[Row],
                   t: Mapping[str, str]) -> list[Flowable]:
    """A wide, long table as several grids of at most ``WIDE_TABLE_COLUMNS`` columns, each
    repeating the first (identifying) column; columns empty in every row are named once."""
    used = [i for i in range(1, len(labels)) if any(i < len(r) and r[i] not in (None, "")
                                                     for r in rows)]
    empty = [labels[i] for i in range(1, len(labels)) if i not in used]
    count = max(1, -(-len(used) // (WIDE_TABLE_COLUMNS - 1)))
    size = -(-len(used) // count) if used else 1  # balanced: 14 columns give 5, 5, 4
    groups = [used[k:k + size] for k in range(0, len(used), size)] or [[]]
    story: list[Flowable] = []
    if empty:
        story.append(Paragraph(escape(t["empty_columns"].format(labels=", ".join(empty))),
                               S["meta"]))
    for index, group in enumerate(groups, 1):
        columns = [0, *group]
        if len(groups) > 1:
            story.append(Paragraph(escape(t["part"].format(index=index, count=len(groups))),
                                   S["meta"]))
        story.append(grid([labels[i] for i in columns],
                          [[row[i] if i < len(row) else None for i in columns] for row in rows]))
        story.append(Spacer(1, 6))
    return story


def data_table(spec: Mapping[str, Any], t: Mapping[str, str], lang: str) -> list[Flowable]:
    """Heading, source line, note and content of one stored table."""
    columns = spec.get("columns") or []
    shows = [values.formatter(c, lang) for c in columns]
    rows: Sequence[Row] = [[show(v) for show, v in zip(shows, row, strict=False)] + list(row[len(shows):])
                           for row in spec.get("rows") or []]
    labels = [str(c.get("label") or c.get("name") or "") for c in columns]
    story = heading(spec.get("label") or spec.get("table"), "h3", 45 * mm)
    source = f"{escape(t['source'])}: {markup(spec.get('system_label') or spec.get('system'))}"
    count = escape(t["records"].format(count=len(rows)))
    story.append(Paragraph(f"{source} · {count}", S["meta"]))
    if spec.get("note"):
        story.append(Paragraph(markup(spec["note"]), S["meta"]))
    if not rows or not labels:
        story.append(Paragraph(escape(t["no_data"]), S["body"]))
    elif len(labels) <= WIDE_TABLE_COLUMNS:
        story.append(grid(labels, rows))
    elif len(rows) <= RECORD_BLOCK_ROWS:
        # The heading's room (45 mm) holds a block's first fields: heading and record 1 stay
        # together without keeping the whole first block, which would leave a page half blank.
        story += _records(labels, rows, t)
    else:
        story += _column_groups(labels, rows, t)
    return story


def systems_story(systems: Mapping[str, Any], t: Mapping[str, str]) -> list[Flowable]:
    """Which systems were searched, and which could not be searched in time (data follows)."""
    story: list[Flowable] = []
    if searched := systems.get("searched") or []:
        story.append(para(t["systems_searched"].format(systems=", ".join(searched))))
    if pending := systems.get("not_searched") or []:
        story.append(para(t["systems_pending"].format(systems=", ".join(pending))))
    return story


def data_story(sections: Sequence[Mapping[str, Any]], t: Mapping[str, str], lang: str,
               head: HeadingMaker, systems: Mapping[str, Any] | None = None, *,
               title: str | None = None) -> list[Flowable]:
    """All stored data, one numbered heading per data category, after the systems searched
    (under ``title``: the Art. 20 answer names its copy differently)."""
    story = head("data", title or t["data"], 0) + systems_story(systems or {}, t)
    if not sections:
        story.append(Paragraph(escape(t["no_data"]), S["body"]))
    for number, section in enumerate(sections, 1):
        label = f"{number}. {section.get('label') or section.get('category')}"
        story += head(f"data-{number}", label, 1)
        if not section.get("tables"):
            story.append(Paragraph(escape(t["no_data"]), S["body"]))
        for spec in section.get("tables") or []:
            story += data_table(spec, t, lang)
    return story


def own_records_story(own: Mapping[str, Any], t: Mapping[str, str], lang: str,
                      head: HeadingMaker) -> list[Flowable]:
    """The service's own records about the subject: requests, and what else it keeps."""
    story = head("own", t["own_records"], 0)
    story.append(Paragraph(escape(t["own_records_intro"]), S["body"]))
    rows = [[r.get("reference"), strings.format_date(r.get("received_at"), lang),
             ", ".join(strings.right_label(lang, x) for x in r.get("types") or []),
             # this answer is the request's answer: never "in progress" in the released copy
             t["own_current_status"] if r.get("current") else strings.status_label(lang, r.get("status")),
             strings.format_date(r.get("closed_at"), lang) if r.get("closed_at") else None]
            for r in own.get("requests") or []]
    if rows:
        keys = ("col_reference", "col_received", "col_types", "col_status", "col_closed")
        story.append(grid([t[k] for k in keys], rows))
    for extra in own.get("tables") or []:
        story += data_table(extra, t, lang)
    return story


def redactions_story(redactions: Sequence[Mapping[str, Any]], t: Mapping[str, str], lang: str,
                     head: HeadingMaker) -> list[Flowable]:
    """The legend of the redactions: reason and number of places (never the redacted text)."""
    story = head("redactions", t["redactions"], 0)
    story.append(Paragraph(escape(t["redactions_intro"]), S["body"]))
    rows = [[f"████ [{r.get('mark')}]", strings.redaction_reason_label(lang, r.get("reason")),
             r.get("count")] for r in redactions]
    story.append(grid([" ", t["col_reason"], t["col_count"]], rows))
    return story
