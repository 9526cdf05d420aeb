"""Reports: serialise what the connectors found, build the answer's payload, store the files.

Serialise first, render second: the payload is dumped through :class:`PayloadSchema` before
``render_access_report`` turns it into a PDF and ``export.build_export`` into the ZIP of JSON,
JSON Schema and CSV; storing is a separate step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from connectors.base import AccessResult, RecordColumn, TableRecords
from dsr.answers import export, portability, redaction, report_facts
from dsr.answers.article15 import register_section
from dsr.answers.past_period import past_period
from dsr.answers.payload_schema import PayloadSchema
from dsr.changes.models import ChangePlan, RetainedRecord, SuppressionEntry
from dsr.changes.overdue import KIND as OVERDUE_KIND
from dsr.changes.overdue import OverdueGroup, overdue_of
from dsr.documents import Document, DocumentStore
from dsr.norms import cite, rule_norm
from dsr.register import store as register_store
from dsr.requests.contracts import SubjectKeys
from dsr.requests.models import Decision, IdentityClaim, Request
from dsr.verification.policy import POSTAL_CHANNELS
from workflows.models import Task
from workflows.results import TaskResult

if TYPE_CHECKING:
    from dsr.context import Services


def serialise_access(connector: str, system_label: dict[str, str], result: AccessResult) -> dict[str, Any]:
    """What one connector found, as JSON-safe data (stored encrypted as ``access_data``)."""
    return {"connector": connector, "system_label": system_label,
            "tables": [_table_data(records) for records in result.tables]}


def _table_data(records: TableRecords) -> dict[str, Any]:
    """``dataclasses.asdict`` of the records, built directly (asdict deep-copies every value
    of every row, which costs more than the rest of the job for a long customer history)."""
    if type(records) is not TableRecords:  # a connector's own kind of records: every field
        return asdict(records)
    return {"system": records.system, "table": records.table, "label": dict(records.label),
            "category": records.category,
            "columns": [_column_data(c) for c in records.columns],
            "rows": [list(row) for row in records.rows],
            "recipient_only": records.recipient_only}


def _column_data(column: RecordColumn) -> dict[str, Any]:
    data: dict[str, Any] = {"name": column.name, "label": dict(column.label),
                            "category": column.category}
    if column.values:
        data["values"] = {code: dict(label) for code, label in column.values.items()}
    if column.unit:
        data["unit"] = column.unit
    if column.currency:
        data["currency"] = column.currency
    return data


def _column_out(column: dict[str, Any], lang: str) -> dict[str, Any]:
    """A column as the answer names it: its label, and how its values read (code labels in the
    request's language, the unit); the rows keep the stored values."""
    out = {"name": column["name"], "label": column["label"].get(lang, column["name"])}
    if column.get("values"):
        out["value_labels"] = {code: label.get(lang, code)
                               for code, label in column["values"].items()}
    if column.get("unit"):
        out["unit"] = column["unit"]
    if column.get("currency"):
        out["currency"] = column["currency"]
    return out


RECIPIENT_NOTE = {
    "de": "Nur die Angaben, die Sie als Empfänger einer Lieferung betreffen.",
    "en": "Only the details that concern you as the recipient of a delivery.",
}


def _sections(collected: list[dict[str, Any]], categories: dict[str, Any],
              lang: str) -> list[dict[str, Any]]:
    """Every non-empty table found, grouped by data category in the register's order."""
    sections: dict[str, dict[str, Any]] = {}
    for found in collected:
        system_label = found["system_label"].get(lang, found["connector"])
        for table in found["tables"]:
            if not table["rows"]:
                continue
            category = table["category"]
            known = categories.get(category, {})
            section = sections.setdefault(category, {
                "category": category, "label": known.get("label", {}).get(lang, category),
                "provided": bool(known.get("provided")), "tables": []})
            section["tables"].append({
                "system": found["connector"], "system_label": system_label,
                "table": table["table"], "label": table["label"].get(lang, table["table"]),
                "columns": [_column_out(c, lang) for c in table["columns"]],
                "rows": table["rows"],
                "note": RECIPIENT_NOTE[lang] if table.get("recipient_only") else None})
    order = list(categories)
    return sorted(sections.values(), key=lambda s: order.index(s["category"])
                  if s["category"] in order else len(order))


def build_payload(request: Request, collected: list[dict[str, Any]], register: dict[str, Any],
                  decisions: list[Decision], now: datetime, *,
                  register_version: str = "", own_records: dict[str, Any] | None = None,
                  redactions: list[dict[str, Any]] | None = None,
                  register_as_of: dict[str, Any] | None = None,
                  systems: dict[str, Any] | None = None,
                  overdue: list[OverdueGroup] | None = None,
                  receivers: dict[str, portability.Receiver] | None = None) -> dict[str, Any]:
    """The whole answer as data, dumped through :class:`PayloadSchema`. ``register_version``
    (number, date, hash) stays in the JSON for accountability; the PDF quotes
    ``register_as_of`` (number and date). ``overdue`` (records past their retention period)
    is named under each table it concerns and listed on its own. A portability answer
    (Art. 20) holds only the categories the subject provided (observed data included) and
    what Art. 20(2) allows with ``receivers``, no Art. 15 information."""
    lang = request.language
    categories = register.get("categories", {})
    sections = _sections(collected, categories, lang)
    art20 = portability.is_portability_answer(list(request.types))
    if art20:
        sections = [s for s in sections if s["provided"]]
    past = past_period(overdue or [], collected, register, lang)
    _note_past_period(sections, past)
    own = own_records or {"requests": []}

    def label_of(category: str) -> str:
        return str(categories.get(category, {}).get("label", {}).get(lang, category))

    payload = {
        "reference": request.reference,
        "language": lang,
        "generated_at": now.isoformat(timespec="seconds"),
        "controller": register.get("controller", {}),
        "subject": {"name": request.claim("name") or "", "email": request.claim("email") or ""},
        "request": {"received_at": request.received_at.isoformat(),
                    "due": request.deadline.isoformat(), "types": list(request.types),
                    "postal": request.channel in POSTAL_CHANNELS},
        "decisions": [{"right": d.right, "category": d.category,
                       "category_label": label_of(d.category) if d.category != "*" else "—",
                       "outcome": d.outcome, "norm": cite(d.norm, lang), "reason": d.reason}
                      for d in decisions],
        "sections": sections,
        "register": register_section(
            register, sections, collected, lang, version=register_version,
            extra_categories={"dsr": len(own["requests"])} if own["requests"] else None),
        "own_records": own,
        "redactions": redactions or [],
        "systems": systems or {"searched": [], "not_searched": []},
        "overdue": past,
        "answer": "portability" if art20 else "access",
        "transmission": portability.transmission(request, receivers or {}, lang) if art20
        else None,
    }
    if art20:  # Art. 20 asks for the data, not for the information of Art. 15(1) and (2)
        payload["register"] = None
    if payload["register"] is not None and register_as_of:
        payload["register"]["as_of"] = register_as_of
    return PayloadSchema().dump(payload)


def _note_past_period(sections: list[dict[str, Any]], past: list[dict[str, Any]]) -> None:
    """Each table with records past their period says so beneath its heading."""
    for section in sections:
        for table in section["tables"]:
            notes = [p["text"] for p in past
                     if (p["system"], p["table"]) == (table["system"], table["table"])]
            if notes:
                table["note"] = " ".join(filter(None, [table.get("note"), *notes]))


def own_records(session: Session, request: Request,
                register: dict[str, Any] | None = None) -> dict[str, Any]:
    """The service's own records about the subject: every request made under one of the
    subject's e-mail addresses or customer numbers (on file or claimed), this one included
    (a blocked record's norm as ``register`` words its rule in the answer's language)."""
    identifiers: dict[str, set[str]] = {"email": set(), "customer_number": set()}
    for claim in request.claims:
        if claim.kind in identifiers:
            identifiers[claim.kind].add(claim.value.strip().casefold())
    for kind, found in identifiers.items():
        found.update(v.strip().casefold() for v in SubjectKeys.of(request).identifiers(kind))
    conditions = [(IdentityClaim.kind == kind) & func.lower(IdentityClaim.value).in_(values)
                  for kind, values in identifiers.items() if values]
    mine = Request.id == request.id
    if conditions:
        mine = or_(mine, Request.id.in_(select(IdentityClaim.request_id).where(or_(*conditions))))
    rows = session.scalars(select(Request).where(mine).order_by(Request.received_at)).all()
    ids = {r.id for r in rows} | {request.id}
    return {"requests": [{
        "reference": r.reference, "received_at": r.received_at.isoformat(),
        "types": list(r.types), "status": r.status, "current": r.id == request.id,
        "closed_at": r.updated_at.isoformat()
        if r.status in ("completed", "rejected", "withdrawn", "merged") else None,
    } for r in rows], "tables": _kept_records(session, ids, request.language, register or {})}


OWN_TABLES = {
    "suppression": ({"de": "Sperrvermerke (keine Werbung, Art. 21 Abs. 3 DSGVO)",
                     "en": "Suppression entries (no advertising, Art. 21(3) GDPR)"},
                    [("kind", "Gespeichert als", "Kept as"), ("channel", "Kanal", "Channel"),
                     ("hash", "Prüfwert (HMAC, gekürzt)", "Keyed hash (HMAC, shortened)"),
                     ("created_at", "Seit", "Since")]),
    "blocked": ({"de": "Gesperrte Daten (Aufbewahrungspflicht oder Rechtsanspruch)",
                 "en": "Blocked data (retention duty or legal claim)"},
                [("target", "Tabelle", "Table"), ("fields", "Felder", "Fields"),
                 ("norm", "Rechtsgrundlage", "Legal basis"),
                 ("retained_until", "Gesperrt bis", "Blocked until")]),
}


def _kept_records(session: Session, request_ids: set[int], lang: str,
                  register: dict[str, Any]) -> list[dict[str, Any]]:
    """What the service itself keeps about the subject besides the requests: suppression
    entries and blocked (retained) fields recorded by earlier requests."""
    suppressed = session.scalars(select(SuppressionEntry).where(
        SuppressionEntry.request_id.in_(request_ids)).order_by(SuppressionEntry.id)).all()
    blocked = session.scalars(select(RetainedRecord).join(
        ChangePlan, ChangePlan.id == RetainedRecord.plan_id).where(
        ChangePlan.request_id.in_(request_ids), RetainedRecord.erased_at.is_(None))
        .order_by(RetainedRecord.id)).all()
    rows = {
        "suppression": [[e.kind, e.channel, f"{e.hash[:12]}…", e.created_at.isoformat()]
                        for e in suppressed],
        "blocked": [[r.target, ", ".join(sorted(r.then)), rule_norm(register, r.rule, r.norm, lang),
                     r.retained_until.isoformat() if r.retained_until else None]
                    for r in blocked],
    }
    tables = []
    for name, (label, columns) in OWN_TABLES.items():
        if rows[name]:
            tables.append({"system": "dsr", "table": name,
                           "system_label": "Anfragen-Dienst" if lang == "de" else "Request service",
                           "label": label[lang], "rows": rows[name],
                           "columns": [{"name": c, "label": de if lang == "de" else en}
                                       for c, de, en in columns]})
    return tables


def compile_answer(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """Build the answer from everything collected (redactions applied, the register version in
    force quoted) and store PDF, JSON and the export ZIP; flushes. Returns the payload."""
    stored = session.scalars(select(Document).where(
        Document.request_id == request.id, Document.kind.in_(("access_data", OVERDUE_KIND)),
        Document.deleted_at.is_(None)).order_by(Document.id)).all()
    collected = collected_data(session, services.documents, request.id, stored)
    collected, legend = redaction.apply(session, services.cipher, request, collected)
    decisions = list(session.scalars(select(Decision).where(Decision.request_id == request.id)))
    register = register_store.in_force(session, services.config.register_path)
    payload = build_payload(request, collected, register.data, decisions, services.clock.now(),
                            register_version=register.label,
                            own_records=own_records(session, request, register.data),
                            redactions=legend,
                            register_as_of=report_facts.register_as_of(
                                register, services.clock.today()),
                            systems=report_facts.systems(services, session, request.id,
                                                         request.language),
                            overdue=overdue_of(session, services.documents, request.id, stored),
                            receivers=portability.receivers(services.config.delivery))
    store_report(session, services.documents, request, payload)
    return payload


def collected_data(session: Session, store: DocumentStore, request_id: int,
                   stored: Sequence[Document] | None = None) -> list[dict[str, Any]]:
    """The newest ``access_data`` document of each connector for the request (of ``stored``,
    the request's documents oldest first, when the caller has read them)."""
    docs = stored if stored is not None else session.scalars(select(Document).where(
        Document.request_id == request_id, Document.kind == "access_data",
        Document.deleted_at.is_(None)).order_by(Document.id)).all()
    newest = {doc.filename: doc for doc in docs
              if doc.kind == "access_data" and doc.deleted_at is None}
    return [json.loads(store.read(doc)) for doc in newest.values()]


def report_stem(request: Request) -> str:
    """The file name stem of the answer's files, in the request's language."""
    if portability.is_portability_answer(list(request.types)):
        return f"{request.reference}-{'datenuebertragung' if request.language == 'de' else 'data-portability'}"
    return f"{request.reference}-{'auskunft' if request.language == 'de' else 'access-report'}"


def store_report(session: Session, store: DocumentStore, request: Request,
                 payload: dict[str, Any]) -> tuple[Document, Document]:
    """Render the PDF and the HTML page from the payload and store them with the JSON and the
    export ZIP;
    flushes. A portability-only request's ZIP holds only the data the subject provided."""
    # reportlab loads with the first answer, not with every process that imports this module
    # (the web app does, for downloads): an idle ``dsr serve`` stays smaller.
    from dsr.answers.report.pdf import render_access_report

    pdf = render_access_report(payload)
    stem = report_stem(request)
    pdf_doc = store.put(session, request_id=request.id, kind="report_pdf", filename=f"{stem}.pdf",
                        content_type="application/pdf", data=pdf, flush=False)
    json_doc = store.put(session, request_id=request.id, kind="report_json",
                         filename=f"{stem}.json", content_type="application/json",
                         data=json.dumps(payload, ensure_ascii=False, indent=2).encode(), flush=False)
    from dsr.answers.report.html import render_access_html

    # The same answer as an accessible web page (headings, tables with headers, lang).
    store.put(session, request_id=request.id, kind="report_html", filename=f"{stem}.html",
              content_type="text/html; charset=utf-8", data=render_access_html(payload), flush=False)
    provided_only = "access" not in request.types
    store.put(session, request_id=request.id, kind="report_zip", filename=f"{stem}.zip",
              content_type="application/zip",
              data=export.build_export(payload, provided_only=provided_only), flush=False)
    session.flush()  # the four rows in one insert
    return pdf_doc, json_doc


def latest_document(session: Session, request_id: int, kind: str) -> Document | None:
    """The newest stored (not deleted) document of ``kind`` for the request."""
    return session.scalars(select(Document).where(Document.request_id == request_id,
                                                  Document.kind == kind,
                                                  Document.deleted_at.is_(None))
                           .order_by(Document.id.desc())).first()


def found_categories(session: Session, request_id: int) -> list[str]:
    """The data categories the newest draft found (the default decisions cover these)."""
    result = session.scalars(select(Task.result).where(Task.request_id == request_id,
                                                       Task.kind == "compile",
                                                       Task.status == "done")
                             .order_by(Task.id.desc())).first()
    return list(TaskResult.from_json(result).categories)
