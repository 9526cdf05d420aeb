"""The periodic jobs named in ``workflows.schedule``: each takes the services, opens its own
session, commits, and returns a small count (no personal data)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from dsr.audit import AuditAction, AuditEvent, append_event, head
from dsr.changes.models import ChangePlan
from dsr.correspondence import notices
from dsr.documents import Document
from dsr.permissions import Permission, roles_with
from dsr.requests import operations
from dsr.requests.models import IdentityClaim, Representation, Request, RequestCorrection
from dsr.users.models import User
from workflows.deadlines import days_left
from workflows.states import OPEN_STATES, TERMINAL_STATES, WAITING_ON_SUBJECT

if TYPE_CHECKING:
    from dsr.context import Services

SOON_DAYS = 3


def _coordinators(session: Any) -> list[User]:
    """Who hears about deadlines: the users who may move requests on."""
    roles = [role.value for role in roles_with(Permission.REQUESTS_DECIDE)]
    return list(session.scalars(select(User).where(User.role.in_(roles),
                                                   User.active.is_(True), User.email != "")))


def deadline_reminders(services: Services) -> dict[str, int]:
    """Tell coordinators what is due soon or overdue; escalate requests waiting on the subject
    past their deadline (one audit event each) so that none lapses quietly."""
    today = services.clock.today()
    with services.db.session() as session:
        rows = session.scalars(select(Request).where(
            Request.status.in_([s.value for s in OPEN_STATES])).order_by(Request.due_on)).all()
        due = [(r, days_left(r.deadline, today)) for r in rows]
        soon = [(r.reference, d, r.status) for r, d in due if d <= SOON_DAYS]
        escalated = 0
        for req, left in due:
            if left < 0 and req.status in WAITING_ON_SUBJECT and not session.scalar(
                    select(AuditEvent.id).where(AuditEvent.request_id == req.id,
                                                AuditEvent.action == AuditAction.ESCALATED)):
                append_event(session, actor="system", action=AuditAction.ESCALATED,
                             request_id=req.id, details={"days_overdue": -left})
                escalated += 1
        if soon:
            for user in _coordinators(session):
                notices.send(services, session, template="deadline_digest",
                             language=user.language, to=user.email, items=soon)
    return {"due_soon_or_overdue": len(soon), "escalated": escalated}


def expire_working_copies(services: Services) -> dict[str, int]:
    """Delete the working copies of the subject's data (``access_data``) of closed requests."""
    with services.db.session() as session:
        docs = session.scalars(select(Document).join(Request, Request.id == Document.request_id)
                               .where(Document.kind == "access_data",
                                      Document.deleted_at.is_(None),
                                      Request.status.in_([s.value for s in TERMINAL_STATES]))).all()
        for doc in docs:
            services.documents.delete(doc)
            append_event(session, actor="system", action=AuditAction.DOCUMENT_DELETED,
                         request_id=doc.request_id, details={"kind": doc.kind, "document": doc.id})
    return {"deleted": len(docs)}


def reduce_closed_requests(services: Services) -> dict[str, int]:
    """Closed requests past the accountability period keep reference, dates, decisions and the
    audit trail; their claims (a rectification's requested and recorded values among them),
    match results and stored documents are deleted, and their plans lose the values a
    rectification set (the journal keeps them sealed for a replay)."""
    cutoff = services.clock.now() - timedelta(days=365 * services.config.accountability_years)
    reduced = 0
    with services.db.session() as session:
        rows = session.scalars(select(Request).where(
            Request.status.in_([s.value for s in TERMINAL_STATES]),
            Request.updated_at < cutoff)).all()
        for req in rows:
            docs = session.scalars(select(Document).where(Document.request_id == req.id,
                                                          Document.deleted_at.is_(None))).all()
            plans = _plans_with_values(session, req.id)
            if (not docs and not req.claims and not req.corrections and req.representation is None
                    and req.match_table is None and not plans):
                continue
            for doc in docs:
                services.documents.delete(doc)
            for plan in plans:
                plan.body = {**plan.body, "changes": [
                    {**c, "value": None} if _holds_value(c) else c for c in plan.body["changes"]]}
            session.execute(delete(IdentityClaim).where(IdentityClaim.request_id == req.id))
            session.execute(delete(RequestCorrection).where(RequestCorrection.request_id == req.id))
            session.execute(delete(Representation).where(Representation.request_id == req.id))
            req.match_table = None
            req.subject_keys = None
            session.expire(req, ["claims", "corrections", "representation"])
            append_event(session, actor="system", action=AuditAction.REDUCED, request_id=req.id,
                         details={"documents": len(docs)})
            reduced += 1
    return {"reduced": reduced}


def _holds_value(change: dict[str, Any]) -> bool:
    """A planned change carrying a rectification's new value (set, or recorded beside)."""
    return str(change.get("reason", "")).startswith("rectification") \
        and change.get("value") is not None


def _plans_with_values(session: Any, request_id: int) -> list[ChangePlan]:
    return [plan for plan in session.scalars(select(ChangePlan).where(
        ChangePlan.request_id == request_id))
        if any(_holds_value(c) for c in (plan.body or {}).get("changes", []))]


def audit_digest(services: Services) -> dict[str, Any]:
    """Send the audit chain's head (sequence and hash) to every coordinator."""
    with services.db.session() as session:
        seq, digest = head(session)
        recipients = _coordinators(session)
        for user in recipients:
            notices.send(services, session, template="audit_digest", language=user.language,
                         to=user.email, seq=seq, head_hash=digest)
    return {"seq": seq, "sent": len(recipients)}


def apply_waited_overrides(services: Services) -> dict[str, int]:
    """Let identity-policy overrides of a single coordinator's shop take effect once their
    waiting period (after the notice to the address on file) has run out on the clock."""
    with services.db.session() as session:
        return {"verified": operations.apply_waited_overrides(session)}
