"""Confirmations of a change request once its approved plans have been carried out:
rectification, restriction, erasure, objection, consent withdrawal — what was done, what was
kept and why and until when (from the stored plans, receipts and blocked records), and which
recipients were told (Art. 19). By e-mail to the address on file; a postal request gets a
DIN 5008 letter instead (never fax)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.capabilities import DataMapped, NamesTargets
from dsr.answers import postal
from dsr.answers.delivery import address_on_file
from dsr.catalogs import gettext
from dsr.changes import art19, withdrawal
from dsr.changes import operations as changes
from dsr.changes.models import ChangePlan, PlanStatus, RecipientNotice, RetainedRecord
from dsr.correspondence import notices
from dsr.norms import in_language, rule_norm
from dsr.rendering import english_date
from dsr.requests.models import Decision, Request

if TYPE_CHECKING:
    from dsr.context import Services

TEMPLATES = {"rectification": "confirm_rectification", "restriction": "confirm_restriction",
             "erasure": "confirm_erasure", "objection": "confirm_objection",
             "consent_withdrawal": "confirm_consent_withdrawal"}
DONE = {"de": {"delete": "gelöscht", "null": "Angaben gelöscht", "anonymise": "anonymisiert",
               "set": "berichtigt", "flag": "gekennzeichnet (Einschränkung der Verarbeitung)",
               "suppress": "Sperrvermerk (nur ein verschlüsselter Prüfwert)"},
        "en": {"delete": "deleted", "null": "details erased", "anonymise": "anonymised",
               "set": "corrected", "flag": "flagged (processing restricted)",
               "suppress": "suppression entry (a keyed hash only)"}}
HOLD = {"de": "Löschung ausgesetzt, solange ein Anspruch oder eine Prüfung es erfordert; "
              "danach löschen wir sie",
        "en": "erasure suspended while a claim or an audit requires it; then we delete it"}
"""What a held record's line says after the hold's norm (the norm is named once, before)."""


ORDER = ("erasure", "restriction", "rectification", "objection", "consent_withdrawal")
"""Which right's template a request with several change types is confirmed with (one
confirmation per request; its text has a paragraph for every right carried out)."""
OBJECTION_PURPOSES = {
    "market_research": {"de": "Marktforschung", "en": "Market research"},
    "credit_transfer": {"de": "Übermittlung an Auskunfteien", "en": "Transfers to credit bureaus"},
}
"""The Art. 21(1) purposes the form's objection names beside advertising: each is weighed by
the coordinator (a decision of right ``objection`` with the purpose as its category). Unlike
advertising (the newsletter and the suppression list), no connector carries them out: the
decision is recorded and stated, and review preselects none."""
PURPOSE_NORM = "Art. 21 Abs. 1 DSGVO"
"""The norm of a decision on an Art. 21(1) purpose (review proposes it)."""
RECORDED = {"de": "Datum eingetragen", "en": "date recorded"}
"""A ``set`` that is no rectification (the end of a subscription, a withdrawal's date)."""


ENTRIES = {"de": ("1 Eintrag", "{n} Einträge"), "en": ("1 entry", "{n} entries")}
"""How many rows an item of the confirmation concerns (an erased row and a kept row of the
same table are different rows: the count says so)."""


COUNTED = ("delete", "null", "anonymise", "set")
"""Actions whose confirmation item says how many rows it concerns."""

ERASING = ("delete", "null", "anonymise")
"""Actions that erase: a field erased in some rows of a table and kept in others is named
once, under "kept"; the erased rows say they lost the kept details too, without listing them
a second time."""

PARTIAL = ("partly_granted", "refused")
"""Erasure decisions whose reason the confirmation quotes (the coordinator's own words)."""


def _entries(language: str, n: int) -> str:
    one, many = ENTRIES[language]
    return one if n == 1 else many.format(n=n)


def _item(label: str, action: str, rows: int, fields: list[str], language: str,
          also_kept: bool = False) -> str:
    """``Rechnungen: Angaben gelöscht, 2 Einträge – Rechnungsempfänger, Firma (Rechnung)``:
    the fields after a dash, so a field label's own parentheses are never nested.
    ``also_kept``: these rows lost as well the details kept for other rows of the table (named
    under "kept" only)."""
    head = f"{label}: {action}" + (f", {_entries(language, rows)}" if rows else "")
    tail = ", ".join(fields)
    if also_kept:
        more = gettext(language, "ans_erased_also_kept")
        tail = f"{tail}; {more}" if tail else more
    return f"{head} – {tail}" if tail else head


def _labels(services: Services, connector: str, target: str, fields: list[str],
            language: str) -> tuple[str, list[str]]:
    """The table's and fields' labels from the connector's data map (names as a fallback);
    a connector without a data map (log files) may name its target and fields itself."""
    mapped = services.capable(connector, DataMapped)
    label = mapped.target_label(target, language) if mapped is not None else None
    columns = mapped.column_labels(target, language) if mapped is not None else None
    if label is None or columns is None:
        system = services.config.connectors.get(connector, {}).get("label", {})
        named = services.capable(connector, NamesTargets)
        own = named.label if named is not None else {}
        field_labels = named.field_labels if named is not None else {}
        configured = str(system.get(language) or connector)  # the name when none was set
        return (configured if configured != connector else str(own.get(language, connector)),
                [str(field_labels.get(f, {}).get(language, f)) for f in fields])
    order = {name: i for i, name in enumerate(columns)}
    ordered = sorted(fields, key=lambda f: order.get(f, len(order)))
    return label, [str(columns.get(f, f)) for f in ordered]


def _merge(into: list[str], more: list[str]) -> None:
    into.extend(label for label in more if label not in into)


def outcome(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """What the confirmations state, in the request's language: ``done`` (one line per area
    and action, fields by their labels), ``corrected`` and ``not_corrected`` (rectification:
    the fields changed, and those recorded beside a kept document instead), ``kept`` (one
    line per area and reason: the fields, why, and until when at the latest),
    ``recipients_told`` (names) and ``erased`` (whether anything was erased: an erasure whose
    data is all kept says so, not that it erased what it lists as done)."""
    language = request.language if request.language in DONE else "de"
    plans = list(session.scalars(select(ChangePlan).where(
        ChangePlan.request_id == request.id, ChangePlan.status == PlanStatus.EXECUTED.value)))
    # one line per area, action and set of fields: rows whose fields differ (old invoices
    # emptied entirely, newer ones only of the payer's e-mail) are never merged into a claim
    # that every row lost every field
    done: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    corrected: dict[str, list[str]] = {}
    not_corrected: dict[str, list[str]] = {}
    rows: dict[tuple[str, str, tuple[str, ...]], int] = {}
    erased = False  # whether anything was erased at all (a suppression entry erases nothing)
    for plan in plans:
        for row in plan.summary:
            label, fields = _labels(services, plan.connector, row["target"], row["fields"],
                                    language)
            rectifying = str(row.get("reason", "")).startswith("rectification")
            if rectifying and row["action"] == "set":  # listed as corrected, not as done
                _merge(corrected.setdefault(label, []), fields)
                continue
            if rectifying and row["action"] == "block":
                _merge(not_corrected.setdefault(label, []), fields)
            action = DONE[language].get(row["action"])
            if action is None:
                continue
            if row["action"] == "set" and not rectifying:
                action = RECORDED[language]
            erased = erased or row["action"] in ERASING
            line = (label, action, tuple(fields))
            _merge(done.setdefault(line, []), fields)
            if row["action"] in COUNTED:
                rows[line] = rows.get(line, 0) + int(row.get("rows") or 0)
    grouped: dict[tuple[str, str, bool], dict[str, Any]] = {}
    for record in session.scalars(select(RetainedRecord).where(
            RetainedRecord.plan_id.in_([p.id for p in plans])).order_by(RetainedRecord.id)):
        label, fields = _labels(services, record.connector, record.target, sorted(record.then),
                                language)
        norm = rule_norm(services.register, record.rule, record.norm, language)
        why = norm if record.hold_id is None else f"{norm}; {HOLD[language]}"
        until = record.retained_until
        entry = grouped.setdefault((label, why, until is None),
                                   {"label": label, "fields": [], "why": why,
                                    "first": until, "until": until, "rows": set()})
        _merge(entry["fields"], fields)
        entry["rows"].add(repr(record.row_key))
        if until is not None:
            entry["first"], entry["until"] = min(entry["first"], until), max(entry["until"], until)
    kept = [{"what": f"{e['label']}, {_entries(language, len(e['rows']))}"
                     + (f" – {', '.join(e['fields'])}" if e["fields"] else ""),
             "why": e["why"], "until": e["until"], "first": e["first"]}
            for e in sorted(grouped.values(), key=lambda e: (e["label"], e["until"] or date.max))]
    recipients: Mapping[str, Any] = services.register.get("recipients", {})
    told = sorted({in_language(recipients.get(n.recipient, {}).get("name", n.recipient), language)
                   for n in session.scalars(select(RecipientNotice).where(
                       RecipientNotice.request_id == request.id))})
    kept_fields: dict[str, set[str]] = {}
    for e in grouped.values():
        kept_fields.setdefault(e["label"], set()).update(e["fields"])
    erasing = {DONE[language][a] for a in ERASING}
    items = []
    for (label, action, _), fields in sorted(done.items()):
        overlap = kept_fields.get(label, set()) if action in erasing else set()
        items.append(_item(label, action, rows.get((label, action, _), 0),
                           [f for f in fields if f not in overlap], language,
                           also_kept=any(f in overlap for f in fields)))
    reasons = [d.reason.strip() for d in session.scalars(select(Decision).where(
        Decision.request_id == request.id, Decision.right == "erasure",
        Decision.outcome.in_(PARTIAL)).order_by(Decision.id)) if d.reason.strip()]
    return {"recipients_not_told": not_told(services, session, request, language),
            "done": items,
            "corrected": [f"{label}: {', '.join(fields)}" for label, fields in corrected.items()],
            "not_corrected": [f"{label}: {', '.join(fields)}"
                              for label, fields in not_corrected.items()],
            "kept": kept, "recipients_told": told,
            "erasure_partial": "erasure" in request.types and bool(kept or reasons),
            "erased": erased,
            "erasure_reasons": list(dict.fromkeys(reasons)),
            "authority": services.register.get("supervisory_authority", {}),
            "objection_purposes": objection_purposes(session, request, language)}


NOT_TOLD = {
    "de": {"not_received": "hat keine der berichtigten Angaben von uns erhalten",
           "no_longer_processing": "verarbeitet die Daten nicht mehr (letzte Übermittlung am "
                                   "{last}, Verarbeitung bis {until})"},
    "en": {"not_received": "received none of the corrected details from us",
           "no_longer_processing": "no longer processes the data (last sent on {last}, "
                                   "processed until {until})"},
}
"""Why a recipient of the subject's data was not told (Art. 19), as the confirmation says."""


def not_told(services: Services, session: Session, request: Request,
             language: str) -> list[str]:
    """``name: why`` for each recipient the request's current plans left out (Art. 19)."""
    recipients: Mapping[str, Any] = services.register.get("recipients", {})
    bodies = [row.body for row in changes.newest_plans(session, request.id)]
    found = []
    for notice in art19.withheld_of(bodies):
        name = in_language(recipients.get(notice.target, {}).get("name", notice.target), language)
        def day(value: date | None) -> str:
            if value is None:
                return "—"
            return value.strftime("%d.%m.%Y") if language == "de" else english_date(value)

        why = NOT_TOLD[language][notice.reason].format(
            last=day(notice.last_disclosed), until=day(notice.processed_until))
        line = f"{name}: {why}"
        if line not in found:
            found.append(line)
    return found


def objection_purposes(session: Session, request: Request, language: str) -> list[dict[str, Any]]:
    """The coordinator's decision per Art. 21(1) purpose (market research, credit-bureau
    transfers): granted, or not granted with the compelling grounds weighed; a purpose
    nobody decided on is not mentioned. No system step carries these purposes out (the
    decision is read only here), so a granted one is stated as recorded, with the data no
    longer used for the purpose — never as a change made in a system."""
    found = session.scalars(select(Decision).where(
        Decision.request_id == request.id, Decision.right == "objection",
        Decision.category.in_(list(OBJECTION_PURPOSES))).order_by(Decision.id))
    return [{"label": OBJECTION_PURPOSES[d.category][language],
             "granted": d.outcome == "granted", "grounds": d.reason} for d in found]


def confirmed_types(session: Session, request: Request) -> list[str]:
    """The request's change types to confirm: not refused by the coordinator (an objection
    purpose weighed and not granted is stated in the confirmation, not a refused objection)."""
    refused = {d.right for d in session.scalars(select(Decision).where(
        Decision.request_id == request.id, Decision.outcome == "refused",
        Decision.category.not_in(list(OBJECTION_PURPOSES))))}
    return [kind for kind in request.types if kind in TEMPLATES and kind not in refused]


def send_confirmations(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """One confirmation of every change type carried out: a letter for a postal request, else
    an e-mail to the address on file (once; a job may run twice). A request with several types
    gets one text with a paragraph per right and one list of what was done and kept."""
    kinds = confirmed_types(session, request)
    if not kinds:
        return {"sent": 0, "why": "nothing to confirm"}
    kinds = sorted(kinds, key=ORDER.index)
    template = TEMPLATES[kinds[0]]
    context = {**outcome(services, session, request), "kinds": kinds,
               # what a withdrawal named, and a restriction's Art. 18(1) ground
               "withdrawn_consents": withdrawal.withdrawn_labels(
                   request, withdrawal.consent_kinds(services.connectors),
                   request.language if request.language in DONE else "de"),
               "restriction_ground": request.restriction_ground}
    if postal.is_postal(request) and request.claim("postal_address"):
        postal.store_letter(services, session, request, template, **context)
        return {"sent": 1, "method": "letter"}
    to = address_on_file(request)
    if to is None:
        return {"sent": 0, "why": "no e-mail address on file"}
    sent = notices.send_once(services, session, request, template, to, **context)
    return {"sent": 1 if sent["sent"] else 0, "method": "email"}
