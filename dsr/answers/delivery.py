"""Handing the answer out: the portal (a link that expires, a one-time code to the address on
file, a limited number of downloads, every download logged), plain e-mail only on the
subject's express request (recorded), never fax; and a sealed copy of every answer.

The portal serves its own copies of the answer's files; when the link expires they are
deleted. The sealed copy (a ZIP of the files and a manifest, encrypted like every document)
stays for the accountability period, its SHA-256 in the audit chain and in
:class:`SealedAnswer`; when the period ends the copy goes and the hash remains.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import zipfile
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.answers import rebuild
from dsr.answers.models import Delivery, DownloadEvent, SealedAnswer
from dsr.answers.operations import latest_document
from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.correspondence import notices
from dsr.crypto import keyed_hash
from dsr.documents import Document
from dsr.errors import ServiceError
from dsr.requests.contracts import SubjectKeys
from dsr.requests.models import Request
from dsr.verification.steps import answer_address

if TYPE_CHECKING:
    from dsr.context import Services

PORTAL_KINDS = {"report_pdf": "portal_pdf", "report_html": "portal_html",
                "report_zip": "portal_zip"}
#: An answer built before the HTML page existed goes out without it.
OPTIONAL_KINDS = frozenset({"report_html"})


class DeliveryError(ServiceError):
    """The answer cannot be handed out this way; the message (and its message id) says why."""


class Refused(Exception):
    """A portal action is refused; ``reason`` is a code the page translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def address_on_file(request: Request) -> str | None:
    """The subject's e-mail address as a system holds it (never merely the one claimed)."""
    return SubjectKeys.of(request).first("email")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(services: Services, delivery: Delivery, code: str) -> str:
    return keyed_hash(services.config.secret_key, "portal-code", f"{delivery.id}:{code.strip()}")


def _answer_files(services: Services, session: Session, request: Request) -> list[Document]:
    docs = {kind: latest_document(session, request.id, kind) for kind in PORTAL_KINDS}
    if any(doc is None for kind, doc in docs.items() if kind not in OPTIONAL_KINDS):
        raise DeliveryError("the answer's files are not built yet", msgid="err_delivery_not_built")
    return [d for d in docs.values() if d is not None]


def seal(services: Services, session: Session, request: Request, files: list[Document], *,
         method: str, now: datetime) -> SealedAnswer:
    """Store the sealed copy of the answer as sent (files + manifest) and its hash."""
    manifest = {"reference": request.reference, "sealed_at": now.isoformat(), "method": method,
                "files": [{"name": d.filename, "sha256": d.sha256, "size": d.size}
                          for d in files]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for doc in files:
            archive.writestr(doc.filename, services.documents.read(doc))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    data = buffer.getvalue()
    doc = services.documents.put(session, request_id=request.id, kind="sealed_answer",
                                 filename=f"{request.reference}-sealed.zip",
                                 content_type="application/zip", data=data)
    years = services.config.accountability_years
    sealed = SealedAnswer(request_id=request.id, document_id=doc.id, sha256=doc.sha256,
                          size=len(data), sealed_at=now,
                          keep_until=now + timedelta(days=round(365.25 * years)))
    session.add(sealed)
    session.flush()
    append_event(session, actor="system", action=AuditAction.ANSWER_SEALED, request_id=request.id,
                 details={"sealed": sealed.id, "sha256": sealed.sha256, "method": method})
    return sealed


def record_email_request(session: Session, request: Request, *, actor: str, note: str) -> Delivery:
    """Record the subject's express request for the answer by plain e-mail (with the
    coordinator's note of where and when the subject said so)."""
    if not note.strip():
        raise DeliveryError("note: say where and when the subject asked for plain e-mail",
                            msgid="err_delivery_email_note")
    delivery = Delivery(request_id=request.id, method="email", email_requested_at=clock_of(session).now(),
                        email_request_note=note.strip()[:1000])
    session.add(delivery)
    session.flush()
    append_event(session, actor=actor, action=AuditAction.EMAIL_DELIVERY_REQUESTED,
                 request_id=request.id, details={"delivery": delivery.id})
    return delivery


def deliver(services: Services, session: Session, request: Request,
            now: datetime | None = None) -> dict[str, Any]:
    """Hand the released answer out once: by e-mail if the subject expressly asked for it,
    else through the portal. Returns a small result (no personal data)."""
    now = now or services.clock.now()
    done = session.scalars(select(Delivery).where(Delivery.request_id == request.id,
                                                  Delivery.sent_at.is_not(None))).first()
    if done is not None:
        return {"delivered": False, "why": "already delivered", "method": done.method}
    to = answer_address(session, request) or address_on_file(request)
    if to is None:
        raise DeliveryError("no e-mail address on file; the answer needs a letter",
                            msgid="err_delivery_no_email")
    rebuild.ensure_current(services, session, request)
    files = _answer_files(services, session, request)
    wanted = session.scalars(select(Delivery).where(Delivery.request_id == request.id,
                                                    Delivery.method == "email")).first()
    if wanted is not None:
        _send_by_email(services, session, request, wanted, files, to, now)
        return {"delivered": True, "method": "email"}
    delivery, _, _ = open_portal(services, session, request, files, to, now)
    return {"delivered": True, "method": "portal", "delivery": delivery.id}


def _send_by_email(services: Services, session: Session, request: Request, delivery: Delivery,
                   files: list[Document], to: str, now: datetime) -> None:
    seal(services, session, request, files, method="email", now=now)
    attachments = [(d.filename, d.content_type, services.documents.read(d)) for d in files]
    notices.send_with_attachments(services, session, request, "answer_email", to,
                                         attachments)
    delivery.sent_at = now
    delivery.recipient_hash = notices.recipient_hash(services, to)
    append_event(session, actor="system", action=AuditAction.ANSWER_DELIVERED,
                 request_id=request.id, details={"delivery": delivery.id, "method": "email"})


def open_portal(services: Services, session: Session, request: Request, files: list[Document],
                to: str, now: datetime) -> tuple[Delivery, str, str]:
    """Copy the answer into the portal, seal it, and send link and code to ``to``."""
    settings = services.config.delivery
    token, code = secrets.token_urlsafe(32), f"{secrets.randbelow(10**8):08d}"
    delivery = Delivery(request_id=request.id, method="portal", token_hash=token_hash(token),
                        created_at=now, sent_at=now,
                        expires_at=now + timedelta(days=settings["portal_days"]),
                        max_downloads=settings["max_downloads"],
                        recipient_hash=notices.recipient_hash(services, to))
    session.add(delivery)
    session.flush()
    for doc in files:
        services.documents.put(session, request_id=request.id, kind=PORTAL_KINDS[doc.kind],
                               filename=doc.filename, content_type=doc.content_type,
                               data=services.documents.read(doc))
    seal(services, session, request, files, method="portal", now=now)
    append_event(session, actor="system", action=AuditAction.ANSWER_DELIVERED,
                 request_id=request.id,
                 details={"delivery": delivery.id, "method": "portal",
                          "expires": delivery.expires_at.isoformat() if delivery.expires_at else None})
    notices.send(services, session, template="answer", language=request.language, to=to,
                 request=request, link=f"{services.config.base_url}/portal/{token}",
                 expires=delivery.expires_at, downloads=settings["max_downloads"])
    _send_code(services, session, request, delivery, to, code)
    return delivery, token, code


def _send_code(services: Services, session: Session, request: Request, delivery: Delivery,
               to: str, code: str) -> None:
    delivery.code_hash = _code_hash(services, delivery, code)
    delivery.code_attempts = 0
    delivery.codes_sent += 1
    delivery.code_sent_at = services.clock.now()
    session.flush()
    notices.send(services, session, template="portal_code", language=request.language, to=to,
                 request=request, code=code, expires=delivery.expires_at)


def find(session: Session, token: str) -> Delivery | None:
    """The portal delivery a link's token belongs to (None for an unknown token)."""
    if not token or len(token) > 100:
        return None
    return session.scalars(select(Delivery).where(Delivery.token_hash == token_hash(token),
                                                  Delivery.method == "portal")).first()


def _log(session: Session, delivery: Delivery, outcome: str, document_id: int | None = None) -> None:
    session.add(DownloadEvent(delivery_id=delivery.id, document_id=document_id, outcome=outcome))
    session.flush()


def _open(delivery: Delivery, now: datetime) -> None:
    if delivery.files_deleted_at is not None or (delivery.expires_at and now >= delivery.expires_at):
        raise Refused("expired")


def check_code(services: Services, session: Session, delivery: Delivery, code: str,
               now: datetime | None = None) -> None:
    """Accept the one-time code (then it is used up) or raise :class:`Refused`."""
    now = now or services.clock.now()
    _open(delivery, now)
    if delivery.code_hash is None or delivery.code_attempts >= services.config.delivery["code_attempts"]:
        _log(session, delivery, "code_locked")
        raise Refused("code_locked")
    if not hmac.compare_digest(delivery.code_hash, _code_hash(services, delivery, code)):
        delivery.code_attempts += 1
        _log(session, delivery, "code_wrong")
        raise Refused("code_wrong")
    delivery.code_hash = None
    _log(session, delivery, "code_ok")


def new_code(services: Services, session: Session, delivery: Delivery,
             now: datetime | None = None) -> None:
    """Send a fresh one-time code to the address on file (a limited number per answer)."""
    _open(delivery, now or services.clock.now())
    if delivery.codes_sent >= services.config.delivery["codes_per_delivery"]:
        raise Refused("codes_exhausted")
    request = session.get(Request, delivery.request_id)
    to = address_on_file(request) if request else None
    if request is None or to is None:
        raise Refused("expired")
    _send_code(services, session, request, delivery, to, f"{secrets.randbelow(10**8):08d}")


def files(session: Session, delivery: Delivery) -> list[Document]:
    """The portal's copies of this delivery's answer (none once expired)."""
    if delivery.files_deleted_at is not None:
        return []
    return list(session.scalars(select(Document).where(
        Document.request_id == delivery.request_id, Document.kind.in_(PORTAL_KINDS.values()),
        Document.deleted_at.is_(None)).order_by(Document.id)))


def download(services: Services, session: Session, delivery: Delivery, document_id: int,
             now: datetime | None = None, *, new_visit: bool = True) -> tuple[Document, bytes]:
    """One download: refused when expired, over the limit, or not this delivery's file;
    every attempt is logged and every download is an audit event.

    The limit counts visits, not files: the first download of a visit (``new_visit``) uses
    one of ``max_downloads``; the PDF, the ZIP and the HTML of that visit use no more."""
    now = now or services.clock.now()
    try:
        _open(delivery, now)
    except Refused:
        _log(session, delivery, "refused_expired")
        raise
    doc = next((d for d in files(session, delivery) if d.id == document_id), None)
    if doc is None:
        _log(session, delivery, "refused_unknown_file")
        raise Refused("not_found")
    if new_visit and delivery.downloads >= delivery.max_downloads:
        _log(session, delivery, "refused_limit", doc.id)
        raise Refused("limit")
    data = services.documents.read(doc)
    if new_visit:
        delivery.downloads += 1
    _log(session, delivery, "downloaded", doc.id)
    append_event(session, actor="subject", action=AuditAction.ANSWER_DOWNLOADED,
                 request_id=delivery.request_id,
                 details={"delivery": delivery.id, "document": doc.id, "n": delivery.downloads,
                          "new_visit": new_visit})
    return doc, data


def expire(services: Services, session: Session, now: datetime | None = None) -> int:
    """Delete the portal's files of expired links (the sealed copies stay); returns how many
    links expired."""
    now = now or services.clock.now()
    due = session.scalars(select(Delivery).where(Delivery.method == "portal",
                                                 Delivery.files_deleted_at.is_(None),
                                                 Delivery.expires_at <= now)).all()
    for delivery in due:
        for doc in files(session, delivery):
            services.documents.delete(doc)
        delivery.files_deleted_at = now
        append_event(session, actor="system", action=AuditAction.PORTAL_EXPIRED,
                     request_id=delivery.request_id, details={"delivery": delivery.id})
    session.flush()
    return len(due)


def reduce_sealed(services: Services, session: Session, now: datetime | None = None) -> int:
    """Delete sealed copies past the accountability period; their hashes remain."""
    now = now or services.clock.now()
    due = session.scalars(select(SealedAnswer).where(SealedAnswer.reduced_at.is_(None),
                                                     SealedAnswer.keep_until <= now)).all()
    for sealed in due:
        doc = session.get(Document, sealed.document_id) if sealed.document_id else None
        if doc is not None and doc.deleted_at is None:
            services.documents.delete(doc)
        sealed.reduced_at = now
        append_event(session, actor="system", action=AuditAction.SEALED_ANSWER_REDUCED,
                     request_id=sealed.request_id,
                     details={"sealed": sealed.id, "sha256": sealed.sha256})
    session.flush()
    return len(due)
