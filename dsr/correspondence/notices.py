"""Sending one templated e-mail and logging it (the address only as a keyed hash)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.correspondence import drafts
from dsr.correspondence.mailer import build_message
from dsr.correspondence.models import OutgoingMail
from dsr.crypto import keyed_hash
from dsr.requests.models import Request
from workflows.deadlines import BERLIN

if TYPE_CHECKING:
    from dsr.context import Services


def recipient_hash(services: Services, address: str) -> str:
    return keyed_hash(services.config.secret_key, "mail-recipient", address.strip().casefold())


def send(services: Services, session: Session, *, template: str, language: str, to: str,
         request: Request | None = None, **context: Any) -> str:
    """Render ``templates/mail/<language>/<template>.txt``, send it, log it; returns Message-ID."""
    if request is not None:
        context.setdefault("req", request)
        context.setdefault("received_local", request.received_at.astimezone(BERLIN))
    rendered = drafts.render(template, language, **context)
    if request is not None:  # the coordinator's edit of this message, if any
        rendered = drafts.with_draft(session, request, template, rendered, language,
                                             context)
    message = build_message(sender=services.config.mail["sender"], to=to,
                            sent_at=services.clock.now(),
                            subject=rendered.subject, text=rendered.text, html=rendered.html,
                            reference=request.reference if request else None)
    session.add(OutgoingMail(request_id=request.id if request else None, template=template,
                             recipient_hash=recipient_hash(services, to),
                             message_id=message["Message-ID"]))
    session.flush()
    services.mailer.send(message)
    return str(message["Message-ID"])


def send_once(services: Services, session: Session, request: Request, template: str, to: str,
              **context: Any) -> dict[str, Any]:
    """Send ``template`` for ``request`` unless it went out already (jobs may run twice)."""
    if session.scalar(select(OutgoingMail.id).where(OutgoingMail.request_id == request.id,
                                                    OutgoingMail.template == template)):
        return {"sent": False, "why": "already sent"}
    send(services, session, template=template, language=request.language, to=to,
         request=request, **context)
    return {"sent": True}


def send_with_attachments(services: Services, session: Session, request: Request,
                          template: str, to: str, attachments: list[tuple[str, str, bytes]],
                          **context: Any) -> str:
    """Send one message with files attached (the answer by plain e-mail, on the subject's
    express request only); logged like every other message. Returns the Message-ID."""
    context.setdefault("req", request)
    context.setdefault("received_local", request.received_at.astimezone(BERLIN))
    rendered = drafts.with_draft(session, request, template,
                          drafts.render(template, request.language, **context), request.language,
                          context)
    message = build_message(sender=services.config.mail["sender"], to=to,
                            sent_at=services.clock.now(),
                            subject=rendered.subject, text=rendered.text, html=rendered.html,
                            reference=request.reference)
    for filename, content_type, data in attachments:
        main, _, sub = content_type.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    session.add(OutgoingMail(request_id=request.id, template=template,
                             recipient_hash=recipient_hash(services, to),
                             message_id=message["Message-ID"]))
    session.flush()
    services.mailer.send(message)
    return str(message["Message-ID"])
