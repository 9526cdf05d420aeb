"""Redactions reach every file the subject gets: each redaction or undo builds the stored answer
(PDF, JSON, export) again at once, and before release an answer older than the newest change
of its redactions is built again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dsr.answers import operations as reports
from dsr.answers import redaction
from dsr.answers.models import Redaction
from dsr.audit import AuditEvent
from dsr.requests.models import Request

if TYPE_CHECKING:
    from dsr.context import Services


def rebuild_answer(services: Services, session: Session, request: Request) -> bool:
    """Build the stored answer files again with the redactions as they are now, if a draft or
    an approved answer has been built already (else the compile task applies them when it
    runs); flushes. Returns whether it built them."""
    if reports.latest_document(session, request.id, "report_pdf") is None:
        return False
    reports.compile_answer(services, session, request)
    return True


def redact(services: Services, session: Session, request: Request, *, system: str, table: str,
           row_key: str, column: str, term: str, reason: str, actor: str,
           user_id: int | None) -> Redaction:
    """Record a redaction (see :func:`add`) and build the answer's files again with it."""
    collected = reports.collected_data(session, services.documents, request.id)
    item = redaction.add(session, services.cipher, request, collected, system=system, table=table,
               row_key=row_key, column=column, term=term, reason=reason, actor=actor,
               user_id=user_id)
    rebuild_answer(services, session, request)
    return item


def undo(services: Services, session: Session, request: Request, redaction_id: int, *,
         actor: str) -> None:
    """Remove a redaction before release (see :func:`remove`) and build the files again."""
    redaction.remove(session, request, redaction_id, actor=actor)
    rebuild_answer(services, session, request)


def ensure_current(services: Services, session: Session, request: Request) -> bool:
    """Before the answer is handed out: build its files again if a redaction was made or
    undone after they were built (so release never hands out an older build). Returns whether
    it built them."""
    changed = session.scalar(select(func.max(AuditEvent.created_at)).where(
        AuditEvent.request_id == request.id, AuditEvent.action.in_(redaction.CHANGES)))
    built = reports.latest_document(session, request.id, "report_pdf")
    if changed is None or built is None or built.created_at > changed:
        return False
    reports.compile_answer(services, session, request)
    return True
