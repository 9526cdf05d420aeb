"""Jobs of the mail work; registered with ``@job`` from ``workflows.jobs``.

``fetch_mail`` is the periodic fetch (``workflows.schedule``): every configured mailbox, Maildir
and .eml folder once; each message is committed before it leaves its inbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsr.context import Services


def fetch_mail(services: Services) -> dict[str, Any]:
    """Fetch every configured mail source once; counts per source, no personal data."""
    from dsr.mail.ingest import fetch_all

    results = fetch_all(services)
    return {name: {**dict(r.counts), **({"error": r.error.split(":", 1)[0]} if r.error else {})}
            for name, r in results.items()}


def reduce_inbound(services: Services) -> dict[str, int]:
    """Received messages past the accountability period, whose request is closed (or that never
    became one), keep only what accountability needs: the sender, subject and deciding words are
    cleared and the encrypted copy is deleted; the verdict, times and hashes stay."""
    from datetime import timedelta

    from sqlalchemy import or_, select

    from dsr.audit import AuditAction, append_event
    from dsr.documents import Document
    from dsr.mail.models import InboundMessage
    from dsr.requests.models import Request
    from workflows.states import TERMINAL_STATES

    cutoff = services.clock.now() - timedelta(days=365 * services.config.accountability_years)
    closed = select(Request.id).where(Request.status.in_([s.value for s in TERMINAL_STATES]))
    reduced = 0
    with services.db.session() as session:
        rows = session.scalars(select(InboundMessage).where(
            InboundMessage.created_at < cutoff, InboundMessage.from_address != "",
            or_(InboundMessage.request_id.is_(None), InboundMessage.request_id.in_(closed)))).all()
        for row in rows:
            doc = session.get(Document, row.document_id) if row.document_id else None
            if doc is not None and doc.deleted_at is None:
                services.documents.delete(doc)
            row.from_address, row.from_name, row.subject, row.words = "", "", "", []
            row.attachments = [{k: v for k, v in a.items() if k != "filename"}
                               for a in row.attachments]
            append_event(session, actor="system", action=AuditAction.INBOUND_REDUCED,
                         request_id=row.request_id, details={"inbound": row.id})
            reduced += 1
    return {"reduced": reduced}
