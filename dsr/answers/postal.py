"""Answers to postal requests (letter, fax, phone): a print-ready DIN 5008 letter, never a fax.

The letter is rendered from ``templates/letters/<language>/<template>.txt`` to the postal
address the request gives, stored encrypted as a document of kind ``letter`` (staff print and
post it), and — for the answer itself — sealed together with the enclosed report like every
other answer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.answers import rebuild
from dsr.answers.delivery import DeliveryError, seal
from dsr.answers.letters import render_letter
from dsr.answers.letters.compose import request_letter
from dsr.answers.models import Delivery
from dsr.answers.operations import latest_document
from dsr.audit import AuditAction, append_event
from dsr.documents import Document
from dsr.requests.models import Request
from dsr.verification.policy import POSTAL_CHANNELS

if TYPE_CHECKING:
    from dsr.context import Services

KIND = "letter"


def is_postal(request: Request) -> bool:
    """True when the request came by letter, fax or phone: its answers go out as letters."""
    return request.channel in POSTAL_CHANNELS


def stored_letter(session: Session, request_id: int, template: str) -> Document | None:
    """The stored letter of ``template`` for the request, if there is one."""
    return session.scalars(select(Document).where(
        Document.request_id == request_id, Document.kind == KIND,
        Document.filename.like(f"%-{template}.pdf"), Document.deleted_at.is_(None))).first()


def store_letter(services: Services, session: Session, request: Request, template: str, *,
                 enclosures: tuple[str, ...] = (), **context: Any) -> Document:
    """Render the letter ``template`` to the request's postal address and store it encrypted
    (once: a second call returns the stored letter). Raises ``LetterError`` when the address
    does not fit the window, ``DeliveryError`` when there is none."""
    found = stored_letter(session, request.id, template)
    if found is not None:
        return found
    if not (request.claim("postal_address") or "").strip():
        raise DeliveryError("no postal address; the letter cannot be addressed",
                            msgid="err_delivery_no_address")
    letter = request_letter(request, template, register=services.register,
                            letter_date=services.clock.today(), **context)
    pdf = render_letter(replace(letter, attachments=enclosures))
    doc = services.documents.put(session, request_id=request.id, kind=KIND,
                                 filename=f"{request.reference}-{template}.pdf",
                                 content_type="application/pdf", data=pdf)
    append_event(session, actor="system", action=AuditAction.LETTER_STORED, request_id=request.id,
                 details={"template": template, "document": doc.id, "sha256": doc.sha256})
    return doc


def deliver_letter(services: Services, session: Session, request: Request,
                   now: datetime | None = None) -> dict[str, Any]:
    """The released answer of a postal request: the letter with the report as enclosure,
    sealed, recorded as a delivery by letter (staff print and post it). Once."""
    now = now or services.clock.now()
    done = session.scalars(select(Delivery).where(Delivery.request_id == request.id,
                                                  Delivery.sent_at.is_not(None))).first()
    if done is not None:
        return {"delivered": False, "why": "already delivered", "method": done.method}
    rebuild.ensure_current(services, session, request)
    report = latest_document(session, request.id, "report_pdf")
    if report is None:
        raise DeliveryError("the answer's files are not built yet", msgid="err_delivery_not_built")
    letter = store_letter(services, session, request, "answer", enclosures=(report.filename,))
    seal(services, session, request, [letter, report], method="letter", now=now)
    delivery = Delivery(request_id=request.id, method="letter", created_at=now, sent_at=now)
    session.add(delivery)
    session.flush()
    append_event(session, actor="system", action=AuditAction.ANSWER_DELIVERED,
                 request_id=request.id,
                 details={"delivery": delivery.id, "method": "letter", "letter": letter.id})
    return {"delivered": True, "method": "letter", "letter": letter.id}


def letters(session: Session, request_id: int) -> list[Document]:
    """The request's stored letters, oldest first (for the print download)."""
    return list(session.scalars(select(Document).where(
        Document.request_id == request_id, Document.kind == KIND,
        Document.deleted_at.is_(None)).order_by(Document.id)))


def record_printed(session: Session, request_id: int, *, actor: str, template: str = "",
                   document: int | None = None) -> None:
    """Audit that staff printed a letter of the request (its template or stored document)."""
    details: dict[str, object] = {"template": template} if template else {"document": document}
    append_event(session, actor=actor, action=AuditAction.LETTER_PRINTED, request_id=request_id,
                 details=details)
