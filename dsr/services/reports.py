"""Reports: serialise what the connectors found, build the answer's payload, store the files.

Serialise first, render second: the payload is dumped through :class:`PayloadSchema` before
``render_access_report`` turns it into a PDF; storing is a separate step.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import AccessResult
from dsr.models import Decision, Document, Request, Task
from dsr.reports.pdf import render_access_report
from dsr.services.documents import DocumentStore


def serialise_access(connector: str, system_label: dict[str, str], result: AccessResult) -> dict[str, Any]:
    """What one connector found, as JSON-safe data (stored encrypted as ``access_data``)."""
    return {"connector": connector, "system_label": system_label,
            "tables": [asdict(records) for records in result.tables]}


class ColumnSchema(Schema):
    name = fields.String()
    label = fields.String()


class TableSchema(Schema):
    system = fields.String()
    system_label = fields.String()
    table = fields.String()
    label = fields.String()
    columns = fields.List(fields.Nested(ColumnSchema))
    rows = fields.List(fields.List(fields.Raw(allow_none=True)))
    note = fields.String(allow_none=True)


class SectionSchema(Schema):
    category = fields.String()
    label = fields.String()
    tables = fields.List(fields.Nested(TableSchema))


class DecisionOutSchema(Schema):
    right = fields.String()
    category = fields.String()
    category_label = fields.String()
    outcome = fields.String()
    norm = fields.String()
    reason = fields.String()


class PayloadSchema(Schema):
    """The access answer as data: what the PDF, the JSON export and the API all show."""

    reference = fields.String()
    language = fields.String()
    generated_at = fields.String()
    controller = fields.Dict()
    subject = fields.Dict()
    request = fields.Dict()
    decisions = fields.List(fields.Nested(DecisionOutSchema))
    sections = fields.List(fields.Nested(SectionSchema))
    register = fields.Dict(allow_none=True)


RECIPIENT_NOTE = {
    "de": "Nur die Angaben, die Sie als Empfänger einer Lieferung betreffen.",
    "en": "Only the details that concern you as the recipient of a delivery.",
}


def build_payload(request: Request, collected: list[dict[str, Any]], register: dict[str, Any],
                  decisions: list[Decision], now: datetime | None = None) -> dict[str, Any]:
    """Group every table found by data category, with the data map's and register's labels."""
    lang = request.language
    categories = register.get("categories", {})
    sections: dict[str, dict[str, Any]] = {}
    for found in collected:
        system_label = found["system_label"].get(lang, found["connector"])
        for table in found["tables"]:
            if not table["rows"]:
                continue
            category = table["category"]
            section = sections.setdefault(category, {
                "category": category,
                "label": categories.get(category, {}).get("label", {}).get(lang, category),
                "tables": []})
            section["tables"].append({
                "system": found["connector"], "system_label": system_label,
                "table": table["table"], "label": table["label"].get(lang, table["table"]),
                "columns": [{"name": c["name"], "label": c["label"].get(lang, c["name"])}
                            for c in table["columns"]],
                "rows": table["rows"],
                "note": RECIPIENT_NOTE[lang] if table.get("recipient_only") else None})
    def label_of(category: str) -> str:
        return categories.get(category, {}).get("label", {}).get(lang, category)

    payload = {
        "reference": request.reference,
        "language": lang,
        "generated_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "controller": register.get("controller", {}),
        "subject": {"name": request.claim("name") or "", "email": request.claim("email") or ""},
        "request": {"received_at": request.received_at.isoformat(),
                    "due": request.deadline.isoformat(), "types": list(request.types)},
        "decisions": [{"right": d.right, "category": d.category,
                       "category_label": label_of(d.category) if d.category != "*" else "—",
                       "outcome": d.outcome, "norm": d.norm, "reason": d.reason}
                      for d in decisions],
        "sections": sorted(sections.values(), key=lambda s: list(categories).index(s["category"])
                           if s["category"] in categories else len(categories)),
        "register": register_section(register, [s["category"] for s in sections.values()], lang),
    }
    return PayloadSchema().dump(payload)


RIGHTS = {
    "de": ["Auskunft (Art. 15 DSGVO)", "Berichtigung (Art. 16)", "Löschung (Art. 17)",
           "Einschränkung der Verarbeitung (Art. 18)", "Datenübertragbarkeit (Art. 20)",
           "Widerspruch, bei Direktwerbung jederzeit und ohne Begründung (Art. 21)",
           "Widerruf einer Einwilligung mit Wirkung für die Zukunft (Art. 7 Abs. 3)",
           "Überprüfung einer automatisierten Entscheidung durch einen Menschen (Art. 22 Abs. 3)"],
    "en": ["Access (Art. 15 GDPR)", "Rectification (Art. 16)", "Erasure (Art. 17)",
           "Restriction of processing (Art. 18)", "Data portability (Art. 20)",
           "Objection, to direct marketing at any time and without reasons (Art. 21)",
           "Withdrawal of consent for the future (Art. 7(3))",
           "Review of an automated decision by a person (Art. 22(3))"],
}


def register_section(register: dict[str, Any], categories: list[str], lang: str) -> dict[str, Any]:
    """Art. 15(1)(a)-(h) for the categories found: the purposes processing them, their legal
    bases, recipients, retention rules and sources, the rights and the supervisory authority."""
    found = set(categories)
    labels = register.get("categories", {})
    purposes = [p for p in register.get("purposes", []) if found & set(p["categories"])]
    recipients = dict.fromkeys(r for p in purposes for r in p.get("recipients", []))
    rules = dict.fromkeys(r for p in purposes for r in p.get("retention", []))
    unit = {"de": ("Jahre", "Tage"), "en": ("years", "days")}[lang]

    def period(rule: dict[str, Any]) -> str:
        return f"{rule['years']} {unit[0]}" if "years" in rule else f"{rule['days']} {unit[1]}"

    return {
        "purposes": [{"label": p["label"][lang], "legal_basis": p["legal_basis"],
                      "categories": [labels[c]["label"][lang] for c in p["categories"]
                                     if c in found and c in labels]} for p in purposes],
        "recipients": [{"name": register["recipients"][r]["name"],
                        "kind": register["recipients"][r]["kind"],
                        "role": register["recipients"][r]["role"][lang]}
                       for r in recipients if r in register.get("recipients", {})],
        "retention": [{"label": register["retention"][r]["label"][lang],
                       "period": period(register["retention"][r]),
                       "norm": register["retention"][r]["norm"]}
                      for r in rules if r in register.get("retention", {})],
        "sources": list(dict.fromkeys(p["source"][lang] for p in purposes)),
        "rights": RIGHTS[lang],
        "complaint": register.get("supervisory_authority", {}),
    }


def collected_data(session: Session, store: DocumentStore, request_id: int) -> list[dict[str, Any]]:
    """The newest ``access_data`` document of each connector for the request."""
    docs = session.scalars(select(Document).where(Document.request_id == request_id,
                                                  Document.kind == "access_data",
                                                  Document.deleted_at.is_(None))
                           .order_by(Document.id)).all()
    newest = {doc.filename: doc for doc in docs}
    return [json.loads(store.read(doc)) for doc in newest.values()]


def store_report(session: Session, store: DocumentStore, request: Request,
                 payload: dict[str, Any]) -> tuple[Document, Document]:
    """Render the PDF from the payload and store it with the JSON; flushes."""
    pdf = render_access_report(payload)
    stem = f"{request.reference}-{'auskunft' if request.language == 'de' else 'access-report'}"
    pdf_doc = store.put(session, request_id=request.id, kind="report_pdf", filename=f"{stem}.pdf",
                        content_type="application/pdf", data=pdf)
    json_doc = store.put(session, request_id=request.id, kind="report_json",
                         filename=f"{stem}.json", content_type="application/json",
                         data=json.dumps(payload, ensure_ascii=False, indent=2).encode())
    return pdf_doc, json_doc


def latest_document(session: Session, request_id: int, kind: str) -> Document | None:
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
    return list((result or {}).get("categories", []))
