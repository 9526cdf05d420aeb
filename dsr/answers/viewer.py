"""The redaction viewer's model: the correspondence and other free text of a request as the
customer will read it in the answer (labels in the request's language, redactions burned in),
cut into segments (plain text, blacked-out marks, suggested third-party data), and the
suggestions still open.

Before release the documents come from the collected data with :func:`redaction.apply`; after
release from the answer as it was built (its JSON), read-only. Pure functions over data, no
database access (the operations in :mod:`dsr.answers.suggestion_ops` load what they need).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dsr.answers.models import REDACTION_REASONS
from dsr.answers.suggestions import Found, Kind, Known, find, occurrences

MARK = re.compile(r"████ \[(\d+)\]")
#: A string at least this long with a space in it counts as free text outside correspondence.
FREE_TEXT_MIN = 40
#: Register categories whose values are the requester's own (never suggested).
OWN_CATEGORIES = ("master_data", "contact")


@dataclass(frozen=True)
class FieldRef:
    """One field of one record of the subject's data."""

    system: str
    table: str
    row_key: str
    column: str


@dataclass(frozen=True)
class Suggestion:
    """One suggested piece of another person's data in one field; ``elsewhere``: it was
    found in another field of the same request (a second e-mail) and stands here too."""

    id: str
    ref: FieldRef
    kind: Kind
    text: str
    start: int
    end: int
    elsewhere: bool = False


@dataclass(frozen=True)
class Segment:
    """A run of a field's text: ``plain``, ``redacted`` (a mark) or ``suggested``."""

    text: str
    kind: str
    suggestion: Suggestion | None = None


@dataclass
class ViewField:
    ref: FieldRef
    label: str
    text: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class ViewDocument:
    """One record: its table's label, the short facts (date, direction) and its free text."""

    system_label: str
    label: str
    row_key: str
    facts: list[tuple[str, Any]] = field(default_factory=list)
    texts: list[ViewField] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The document's id on the page."""
        ref = self.texts[0].ref if self.texts else None
        return f"doc-{ref.table}-{ref.row_key}" if ref else f"doc-{self.row_key}"


def places(docs: list[ViewDocument]) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    """(system, table, row key, column) -> (where it reads on the page, the document's
    anchor): how suggestions and redactions name their field."""
    return {(f.ref.system, f.ref.table, f.ref.row_key, f.ref.column):
            (f"{d.label} · {d.row_key} · {f.label}", d.anchor) for d in docs for f in d.texts}


ISO_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?)?"
                      r"(?:Z|[+-]\d\d:\d\d)?$")


def _display(value: Any, column: dict[str, Any]) -> Any:
    """A short value as the answer reads it: its code's label, a date as 06.06.2015 06:29;
    booleans stay booleans (the page says yes or no in its language)."""
    labels = column.get("value_labels") or {}
    if isinstance(value, str) and value in labels:
        return str(labels[value])
    if isinstance(value, str) and (m := ISO_TIME.match(value)):
        year, month, day, hour, minute = m.groups()
        return f"{day}.{month}.{year}" + (f" {hour}:{minute}" if hour else "")
    return value


def _is_free(value: Any, column: dict[str, Any], correspondence: bool) -> bool:
    """Free text: a string with a space in it (in correspondence), or a long one (elsewhere);
    never a code with a label, a date or an address field."""
    if not isinstance(value, str) or " " not in value.strip() or value in (
            column.get("value_labels") or {}) or ISO_TIME.match(value):
        return False
    if column["name"].endswith(("_address", "email")):
        return False
    return correspondence or len(value) >= FREE_TEXT_MIN


def documents(sections: list[dict[str, Any]]) -> list[ViewDocument]:
    """The records with free text, from answer sections (the answer's ``sections``: tables
    with labelled columns and rows, redactions already burned in)."""
    docs: list[ViewDocument] = []
    ordered = sorted(sections, key=lambda s: s["category"] != "correspondence")
    for section in ordered:
        correspondence = section["category"] == "correspondence"
        for table in section["tables"]:
            columns = table["columns"]
            for row in table["rows"]:
                if not row:
                    continue
                doc = ViewDocument(table.get("system_label", ""), table["label"], str(row[0]))
                for column, value in zip(columns, row, strict=False):
                    if _is_free(value, column, correspondence):
                        ref = FieldRef(table["system"], table["table"], str(row[0]), column["name"])
                        doc.texts.append(ViewField(ref, column["label"], value))
                    elif column["name"] not in ("id", "customer_id") and value not in (None, ""):
                        doc.facts.append((column["label"], _display(value, column)))
                if doc.texts:
                    docs.append(doc)
    return docs


def known_of(name: str | None, email: str | None, collected: list[dict[str, Any]],
             own_domains: Iterable[str]) -> Known:
    """The requester's own data: the request's name and e-mail and the values of the
    subject's master data and contact tables (not rows where the subject only received
    someone else's order)."""
    names, emails, phones, ibans = [name or ""], [email or ""], [], []
    for found in collected:
        for spec in found["tables"]:
            if spec.get("recipient_only") or spec["category"] not in OWN_CATEGORIES + ("payment",):
                continue
            for i, column in enumerate(spec["columns"]):
                for row in spec["rows"]:
                    value = row[i] if i < len(row) else None
                    if not isinstance(value, str):
                        continue
                    if "name" in column["name"] and spec["category"] == "master_data":
                        names.append(value)
                    elif "@" in value:
                        emails.append(value)
                    elif "phone" in column["name"] or "mobile" in column["name"]:
                        phones.append(value)
                    elif "iban" in column["name"]:
                        ibans.append(value)
    return Known.of(names=names, emails=emails, phones=phones, ibans=ibans,
                    own_domains=own_domains)


def suggest(docs: list[ViewDocument], known: Known, ident: Callable[[FieldRef, Kind, str], str],
            extra_terms: Iterable[str] = ()) -> list[Suggestion]:
    """Every suggestion in every field, and each term found anywhere (or already redacted
    elsewhere: ``extra_terms``) wherever else it stands in this request."""
    found: dict[FieldRef, list[Found]] = {}
    fields = [f for d in docs for f in d.texts]
    for item in fields:
        found[item.ref] = [f for f in find(item.text, known) if not MARK.search(f.text)]
    terms: dict[str, Kind] = {}
    for items in found.values():
        for f in items:
            terms.setdefault(f.text.casefold(), f.kind)
            surname = f.text.split()[-1] if f.kind is Kind.NAME else ""
            # "Frau Sabine Krüger" in one e-mail, "Frau Krüger" in the next: the surname on
            # its own is looked for too, unless the requester bears it as well
            if len(surname) > 2 and surname.casefold() not in known.name_words:
                terms.setdefault(surname.casefold(), Kind.NAME)
    for term in extra_terms:
        terms.setdefault(term.casefold(), (find(term) or [Found(Kind.NAME, 0, 0, term)])[0].kind)
    result: list[Suggestion] = []
    for item in fields:
        own = found[item.ref]
        spans = [(f.start, f.end) for f in own]
        for f in own:
            result.append(Suggestion(ident(item.ref, f.kind, f.text), item.ref, f.kind, f.text,
                                     f.start, f.end))
        for term, kind in terms.items():
            if any(f.text.casefold() == term for f in own):
                continue
            for start, end in occurrences(item.text, term):
                if any(start < e and s < end for s, e in spans):
                    continue
                spans.append((start, end))
                text = item.text[start:end]
                result.append(Suggestion(ident(item.ref, kind, text), item.ref, kind, text,
                                         start, end, elsewhere=True))
    return result


def runs(text: str) -> list[Segment]:
    """A text as plain and ``redacted`` runs, for a page that shows it without suggestions
    (facts of a record, a row of the answer step): each mark is shown as a bar, never as
    the mark's characters alone."""
    at, result = 0, []
    for m in MARK.finditer(text):
        if m.start() > at:
            result.append(Segment(text[at:m.start()], "plain"))
        result.append(Segment(m.group(0), "redacted"))
        at = m.end()
    if at < len(text) or not result:
        result.append(Segment(text[at:], "plain"))
    return result


def mark_reason(mark: str) -> tuple[str, str | None]:
    """A mark's number and the reason it stands for (``"1"``, ``"third_party"``); the reason
    is None for a number no reason has."""
    m = MARK.fullmatch(mark)
    number = m.group(1) if m else ""
    index = int(number) - 1 if number else -1
    return number, REDACTION_REASONS[index] if 0 <= index < len(REDACTION_REASONS) else None


def segment(docs: list[ViewDocument], suggestions: list[Suggestion]) -> None:
    """Cut every field's text into plain, redacted and suggested runs (in place)."""
    by_field: dict[FieldRef, list[Suggestion]] = {}
    for s in suggestions:
        by_field.setdefault(s.ref, []).append(s)
    for item in (f for d in docs for f in d.texts):
        spans: list[tuple[int, int, str, Suggestion | None]] = [
            (m.start(), m.end(), "redacted", None) for m in MARK.finditer(item.text)]
        for s in sorted(by_field.get(item.ref, []), key=lambda s: s.start):
            if not any(s.start < e and b < s.end for b, e, _, _ in spans):
                spans.append((s.start, s.end, "suggested", s))
        spans.sort(key=lambda span: span[0])
        at, segments = 0, []
        for start, end, kind, suggestion in spans:
            if start > at:
                segments.append(Segment(item.text[at:start], "plain"))
            segments.append(Segment(item.text[start:end], kind, suggestion))
            at = end
        if at < len(item.text):
            segments.append(Segment(item.text[at:], "plain"))
        item.segments = segments
