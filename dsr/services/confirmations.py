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

from dsr.models import ChangePlan, Decision, PlanStatus, RecipientNotice, Request, RetainedRecord
from dsr.services import notices, postal
from dsr.services.delivery import address_on_file

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
HOLD = {"de": "gesetzliche Aufbewahrung ausgesetzt, solange ein Anspruch oder eine Prüfung "
              "es erfordert (Art. 17 Abs. 3 lit. e DSGVO); danach löschen wir sie",
        "en": "kept while a claim or an audit requires it (Art. 17(3)(e) GDPR); then we "
              "delete it"}


def _labels(services: Services, connector: str, target: str, fields: list[str],
            language: str) -> tuple[str, list[str]]:
    """The table's and fields' labels from the connector's data map (names as a fallback)."""
    datamap = getattr(services.connectors.get(connector), "datamap", None)
    table = datamap.tables.get(target) if datamap is not None else None
    if table is None:
        system = services.config.connectors.get(connector, {}).get("label", {})
        return str(system.get(language, connector)), fields
    columns = {c.name: c.label.get(language, c.name) for c in table.columns}
    order = {name: i for i, name in enumerate(columns)}
    ordered = sorted(fields, key=lambda f: order.get(f, len(order)))
    return str(table.label.get(language, target)), [str(columns.get(f, f)) for f in ordered]


def outcome(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """What the confirmations state: ``done`` (lines), ``kept`` (what, why, until) and
    ``recipients_told`` (names), in the request's language."""
    language = request.language if request.language in DONE else "de"
    plans = list(session.scalars(select(ChangePlan).where(
        ChangePlan.request_id == request.id, ChangePlan.status == PlanStatus.EXECUTED.value)))
    done: list[str] = []
    for plan in plans:
        for row in plan.summary:
            action = DONE[language].get(row["action"])
            if action is None:
                continue
            label, fields = _labels(services, plan.connector, row["target"], row["fields"], language)
            line = f"{label}: {action}" + (f" ({', '.join(fields)})" if row["fields"] else "")
            if line not in done:
                done.append(line)
    grouped: dict[tuple[str, str, date | None], None] = {}
    for record in session.scalars(select(RetainedRecord).where(
            RetainedRecord.plan_id.in_([p.id for p in plans])).order_by(RetainedRecord.id)):
        label, fields = _labels(services, record.connector, record.target, sorted(record.then),
                                language)
        why = record.norm if record.hold_id is None else f"{record.norm}; {HOLD[language]}"
        grouped[(f"{label} ({', '.join(fields)})", why, record.retained_until)] = None
    kept = [{"what": what, "why": why, "until": until}
            for what, why, until in sorted(grouped, key=lambda k: (k[0], k[2] or date.max))]
    recipients: Mapping[str, Any] = services.register.get("recipients", {})
    told = sorted({str(recipients.get(n.recipient, {}).get("name", n.recipient))
                   for n in session.scalars(select(RecipientNotice).where(
                       RecipientNotice.request_id == request.id))})
    return {"done": done, "kept": kept, "recipients_told": told}


def confirmed_types(session: Session, request: Request) -> list[str]:
    """The request's change types to confirm: not refused by the coordinator."""
    refused = {d.right for d in session.scalars(select(Decision).where(
        Decision.request_id == request.id, Decision.outcome == "refused"))}
    return [kind for kind in request.types if kind in TEMPLATES and kind not in refused]


def send_confirmations(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """One confirmation per change type carried out: a letter for a postal request, else an
    e-mail to the address on file (each once; a job may run twice)."""
    kinds = confirmed_types(session, request)
    if not kinds:
        return {"sent": 0, "why": "nothing to confirm"}
    context = outcome(services, session, request)
    if postal.is_postal(request) and request.claim("postal_address"):
        letters = [postal.store_letter(services, session, request, TEMPLATES[kind], **context).id
                   for kind in kinds]
        return {"sent": len(letters), "method": "letter"}
    to = address_on_file(request)
    if to is None:
        return {"sent": 0, "why": "no e-mail address on file"}
    sent = [notices.send_once(services, session, request, TEMPLATES[kind], to, **context)
            for kind in kinds]
    return {"sent": sum(1 for s in sent if s["sent"]), "method": "email"}
