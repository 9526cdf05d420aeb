"""The redaction viewer's services: load a request's documents with the open suggestions,
accept or dismiss a suggestion, redact a selection. Every decision is stored and audited
(without the text); accepting and redacting go through :mod:`dsr.answers.rebuild`, so the
answer's files are built again at once. After release everything here is read-only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.answers import operations as reports
from dsr.answers import rebuild, redaction
from dsr.answers.models import Redaction, SuggestionDecision
from dsr.answers.suggestions import Kind
from dsr.answers.viewer import (
    FieldRef,
    Suggestion,
    ViewDocument,
    documents,
    known_of,
    segment,
    suggest,
)
from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.crypto import keyed_hash
from dsr.requests.models import Request

if TYPE_CHECKING:
    from dsr.context import Services

#: The audit action of each decision on a suggestion (``SUGGESTION_DECISIONS``).
DECIDED = {"accepted": AuditAction.REDACTION_SUGGESTION_ACCEPTED,
           "dismissed": AuditAction.REDACTION_SUGGESTION_DISMISSED}


@dataclass
class View:
    """What the viewer shows: documents (segments filled in), the open suggestions, the
    redactions and decisions made; ``released``: read-only; ``kept``: whether the answer's
    text is still at hand (after release it is read from the answer as built)."""

    documents: list[ViewDocument]
    open: list[Suggestion]
    redactions: list[Redaction]
    decisions: list[SuggestionDecision]
    released: bool
    kept: bool


def _ident(services: Services) -> Any:
    def ident(ref: FieldRef, kind: Kind, text: str) -> str:
        value = "|".join((ref.system, ref.table, ref.row_key, ref.column, kind, text.casefold()))
        return keyed_hash(services.config.secret_key, "redaction-suggestion", value)[:40]
    return ident


def _own_domains(register: dict[str, Any]) -> list[str]:
    controller = register.get("controller", {})
    emails = [controller.get("email", ""), (controller.get("dpo") or {}).get("email", "")]
    return [e.rsplit("@", 1)[1] for e in emails if e and "@" in e]


def decisions_for(session: Session, request_id: int) -> list[SuggestionDecision]:
    return list(session.scalars(select(SuggestionDecision)
                                .where(SuggestionDecision.request_id == request_id)
                                .order_by(SuggestionDecision.id)))


def _released_documents(services: Services, session: Session,
                        request: Request) -> list[ViewDocument] | None:
    built = reports.latest_document(session, request.id, "report_json")
    if built is None:
        return None
    try:
        payload = json.loads(services.documents.read(built))
    except FileNotFoundError:
        return None
    return documents(payload.get("sections", []))


def load_view(services: Services, session: Session, request: Request) -> View:
    """The viewer's content for ``request``: before release with suggestions, after release
    the answer as it went out, read-only."""
    items = redaction.for_request(session, request.id)
    decided = decisions_for(session, request.id)
    if request.released_at is not None:
        docs = _released_documents(services, session, request)
        if docs is not None:
            segment(docs, [])
        return View(docs or [], [], items, decided, True, docs is not None)
    register = services.register
    collected = reports.collected_data(session, services.documents, request.id)
    redacted, _ = redaction.apply(session, services.cipher, request, collected)
    docs = documents(reports._sections(redacted, register.get("categories", {}),
                                       request.language))
    known = known_of(request.claim("name"), request.claim("email"), collected,
                     _own_domains(register))
    terms = [services.cipher.decrypt(r.term_encrypted.encode("ascii")).decode("utf-8")
             for r in items]
    found = suggest(docs, known, _ident(services), terms)
    closed = {d.suggestion for d in decided
              if d.decision == "dismissed" or (d.redaction_id is not None
                                              and any(r.id == d.redaction_id for r in items))}
    shown = [s for s in found if s.id not in closed]
    segment(docs, shown)
    return View(docs, shown, items, decided, False, bool(collected))


def _find(view: View, suggestion_id: str) -> Suggestion:
    if view.released:
        raise redaction.RedactionError(redaction.RELEASED, msgid="err_redaction_released")
    for s in view.open:
        if s.id == suggestion_id:
            return s
    raise redaction.RedactionError("no such suggestion (it may have been decided already)",
                                   msgid="err_no_such_suggestion")


def _record(session: Session, request: Request, s: Suggestion, decision: str, *,
            redaction_id: int | None, user_id: int | None, actor: str) -> None:
    row = session.scalars(select(SuggestionDecision).where(
        SuggestionDecision.request_id == request.id,
        SuggestionDecision.suggestion == s.id)).first()
    if row is None:
        row = SuggestionDecision(request_id=request.id, suggestion=s.id)
        session.add(row)
    row.kind, row.system, row.table_name = s.kind.value, s.ref.system, s.ref.table
    row.row_key, row.column, row.decision = s.ref.row_key, s.ref.column, decision
    row.redaction_id, row.decided_by_id = redaction_id, user_id
    row.decided_at = clock_of(session).now()
    session.flush()
    append_event(session, actor=actor, action=DECIDED[decision], request_id=request.id,
                 details={"decision": row.id, "kind": s.kind.value, "table": s.ref.table,
                          "column": s.ref.column, "redaction": redaction_id,
                          "elsewhere": s.elsewhere})


def accept(services: Services, session: Session, request: Request, suggestion_id: str, *,
           reason: str, actor: str, user_id: int | None) -> Redaction:
    """Black out a suggestion (every occurrence of its text in its field) and record it."""
    s = _find(load_view(services, session, request), suggestion_id)
    item = rebuild.redact(services, session, request, system=s.ref.system, table=s.ref.table,
                          row_key=s.ref.row_key, column=s.ref.column, term=s.text,
                          reason=reason, actor=actor, user_id=user_id)
    _record(session, request, s, "accepted", redaction_id=item.id, user_id=user_id, actor=actor)
    return item


def dismiss(services: Services, session: Session, request: Request, suggestion_id: str, *,
            actor: str, user_id: int | None) -> None:
    """Record that a suggestion is not a third party's data (it is no longer offered)."""
    s = _find(load_view(services, session, request), suggestion_id)
    _record(session, request, s, "dismissed", redaction_id=None, user_id=user_id, actor=actor)


def redact_selection(services: Services, session: Session, request: Request, ref: FieldRef, *,
                     start: int | None, end: int | None, term: str, reason: str, actor: str,
                     user_id: int | None) -> Redaction:
    """Black out what the coordinator selected in a field: the characters ``start:end`` of
    the text as the viewer shows it, or (without a script) the ``term`` typed."""
    if start is not None and end is not None:
        view = load_view(services, session, request)
        if view.released:
            raise redaction.RedactionError(redaction.RELEASED, msgid="err_redaction_released")
        shown = next((f.text for d in view.documents for f in d.texts if f.ref == ref), None)
        if shown is None:
            raise redaction.RedactionError("that record or field is not in the subject's data",
                                           msgid="err_not_subject_data")
        if not 0 <= start < end <= len(shown):
            raise redaction.RedactionError("the selection is outside the text",
                                           msgid="err_selection_outside")
        term = shown[start:end]
        if redaction.BAR in term:
            raise redaction.RedactionError("the selection overlaps a redaction",
                                           msgid="err_selection_overlaps")
    return rebuild.redact(services, session, request, system=ref.system, table=ref.table,
                          row_key=ref.row_key, column=ref.column, term=term, reason=reason,
                          actor=actor, user_id=user_id)
