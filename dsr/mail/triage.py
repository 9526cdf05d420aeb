"""The triage list: what a coordinator confirms, corrects, attaches, merges or sets aside.

Nothing that arrives is dropped: a set-aside message stays stored with its verdict. Every
correction of the recognised types or language is counted (:class:`ClassificationCorrection`)
so that the rules can be judged on real mail, not only on the benchmark.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.errors import ServiceError
from dsr.mail.models import ClassificationCorrection, InboundMessage, TriageEntry
from dsr.rendering import correspondence_languages
from dsr.requests.models import IdentityClaim, Request, RequestType
from dsr.requests.operations import merge_into
from workflows.states import OPEN_STATES

TYPE_VALUES = [t.value for t in RequestType]


class TriageError(ServiceError):
    """The triage step cannot be taken; the message (and its message id) says why."""


def open_entries(session: Session, limit: int = 500) -> list[TriageEntry]:
    return list(session.scalars(select(TriageEntry).where(TriageEntry.status == "open")
                                .order_by(TriageEntry.created_at, TriageEntry.id).limit(limit)))


def _claims(request: Request) -> tuple[str, str, str]:
    return ((request.claim("email") or "").casefold(), (request.claim("name") or "").casefold(),
            " ".join((request.claim("postal_address") or "").casefold().split()))


def merge_candidates(session: Session, request: Request) -> list[Request]:
    """Open requests of the same person (same e-mail claim, or same name and postal address)
    that arrived by another channel: offered for merging, never merged automatically."""
    email, name, address = _claims(request)
    if not email and not (name and address):
        return []
    # Only requests sharing the e-mail address or the name (ignoring case) are read; the
    # comparison below decides. Reading every open request of the other channels cost one
    # row per open request for every mail received.
    same = []
    for kind, wanted in (("email", email), ("name", name if address else "")):
        if wanted:
            raw = request.claim(kind) or ""
            same.append((IdentityClaim.kind == kind) & or_(
                IdentityClaim.value == raw, func.lower(IdentityClaim.value) == raw.lower()))
    rows = session.scalars(select(Request).join(IdentityClaim).where(
        Request.id != request.id, Request.channel != request.channel,
        Request.status.in_([s.value for s in OPEN_STATES]), or_(*same))).unique().all()
    found = []
    for other in rows:
        o_email, o_name, o_address = _claims(other)
        if (email and email == o_email) or (name and address and (name, address) == (o_name, o_address)):
            found.append(other)
    return found


def close(session: Session, entry: TriageEntry, outcome: str, user_id: int | None) -> None:
    entry.status, entry.outcome = "done", outcome
    entry.decided_by_id, entry.decided_at = user_id, clock_of(session).now()
    session.flush()


def _check_types(types: list[str], language: str) -> list[str]:
    types = list(dict.fromkeys(types))
    if not types or any(t not in TYPE_VALUES for t in types):
        raise TriageError("types: choose at least one known request type", msgid="err_triage_types")
    if language not in correspondence_languages():
        raise TriageError("language: de or en", msgid="err_triage_language")
    return types


def confirm_types(session: Session, request: Request, *, types: list[str], language: str,
                  user_id: int | None, actor: str) -> bool:
    """Confirm or correct a request's types and language; a change is counted. Returns whether
    it was a correction."""
    types = _check_types(types, language)
    corrected = types != list(request.types) or language != request.language
    if corrected:
        inbound = session.scalar(select(InboundMessage.id).where(
            InboundMessage.request_id == request.id, InboundMessage.action == "request"))
        session.add(ClassificationCorrection(
            request_id=request.id, inbound_id=inbound, predicted_types=list(request.types),
            corrected_types=types, predicted_language=request.language,
            corrected_language=language, corrected_by_id=user_id))
        request.types, request.language = types, language
    append_event(session, actor=actor,
                 action=AuditAction.TYPES_CORRECTED if corrected else AuditAction.TYPES_CONFIRMED,
                 request_id=request.id, details={"types": types, "language": language})
    for entry in session.scalars(select(TriageEntry).where(
            TriageEntry.request_id == request.id, TriageEntry.reason == "confirm_type",
            TriageEntry.status == "open")):
        close(session, entry, "corrected" if corrected else "confirmed", user_id)
    session.flush()
    return corrected


def attach(session: Session, entry: TriageEntry, request: Request, *, user_id: int | None,
           actor: str) -> None:
    """Attach a triaged message to an existing request (a reply or reminder we did not match)."""
    inbound = session.get(InboundMessage, entry.inbound_id) if entry.inbound_id else None
    if inbound is None:
        raise TriageError("only a received message can be attached", msgid="err_triage_attach")
    inbound.request_id = request.id
    append_event(session, actor=actor, action=AuditAction.MAIL_ATTACHED, request_id=request.id,
                 details={"inbound": inbound.id})
    close(session, entry, "attached", user_id)


def merge(session: Session, absorbed: Request, into: Request, *, actor: str,
          user_id: int | None) -> None:
    """The same request arrived by two channels: ``absorbed`` ends as ``merged`` into ``into``
    (its open tasks waived); the deadline that counts is the earlier receipt's."""
    if absorbed.id == into.id:
        raise TriageError("a request cannot be merged into itself", msgid="err_merge_itself")
    if into.status not in {s.value for s in OPEN_STATES}:
        raise TriageError("the request to keep is {status}", msgid="err_merge_closed",
                          status=into.status)
    merge_into(session, absorbed, into, actor=actor)
    for entry in session.scalars(select(TriageEntry).where(
            TriageEntry.request_id.in_([absorbed.id, into.id]),
            TriageEntry.reason == "merge_offer", TriageEntry.status == "open")):
        close(session, entry, "merged", user_id)
    session.flush()


def correction_counts(session: Session) -> dict[str, int]:
    """How many requests came by mail, how many were confirmed and how many corrected."""
    by_mail = session.scalar(select(func.count(InboundMessage.id)).where(
        InboundMessage.request_id.is_not(None), InboundMessage.action.in_(["request", "triage"]))) or 0
    corrected = session.scalar(select(func.count(func.distinct(
        ClassificationCorrection.request_id)))) or 0
    confirmed = session.scalar(select(func.count(TriageEntry.id)).where(
        TriageEntry.outcome == "confirmed")) or 0
    return {"by_mail": by_mail, "corrected": corrected, "confirmed": confirmed}


def request_from_message(services: Any, session: Session, entry: TriageEntry, *, types: list[str],
                         language: str, user_id: int | None, actor: str) -> Request:
    """A coordinator decides that a triaged message is a request after all: it is created with
    the message's receipt time (the deadline runs from arrival, not from the decision)."""
    from dsr.mail.parse import parse_message
    from dsr.requests import intake

    types = _check_types(types, language)
    inbound = session.get(InboundMessage, entry.inbound_id) if entry.inbound_id else None
    if inbound is None or inbound.request_id is not None:
        raise TriageError("only a received message without a request can become one",
                          msgid="err_triage_create")
    text = ""
    if inbound.document_id:
        from dsr.documents import Document

        doc = session.get(Document, inbound.document_id)
        text = parse_message(services.documents.read(doc)).text if doc else ""
    request = intake.submit(session, intake.Submission(
        types=types, name=inbound.from_name, email="" if inbound.channel == "fax" else inbound.from_address,
        channel=inbound.channel, received_at=inbound.received_at, language=language,
        message=text[:10000], channel_authenticated=inbound.channel_authenticated),
        calendar=services.calendar, connectors=list(services.config.connectors), actor=actor)
    inbound.request_id = request.id
    session.add(ClassificationCorrection(
        request_id=request.id, inbound_id=inbound.id, predicted_types=list(inbound.types),
        corrected_types=types, predicted_language=inbound.language, corrected_language=language,
        corrected_by_id=user_id))
    close(session, entry, "request", user_id)
    return request


def reminded_request_ids(session: Session, request_ids: list[int]) -> set[int]:
    """Open requests the requester has sent a reminder about: they go to the top of the queue."""
    if not request_ids:
        return set()
    return set(session.scalars(select(InboundMessage.request_id).where(
        InboundMessage.action == "reminder", InboundMessage.request_id.in_(request_ids))))
