"""Four-eyes: for the request types named in ``[workflow] four_eyes`` an irreversible step
needs two different coordinators. The first one's confirmation is recorded as an
:class:`ApprovalRequest` (with the digest of the summary confirmed); the step is carried out
only when a second, different coordinator confirms the same summary. Enforced here, on the
server, for the web pages and the API alike.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.errors import ServiceError
from dsr.requests.models import ApprovalRequest, Request
from dsr.requests.operations import ActionError

#: Request types whose answer discloses data: the release of the answer is their
#: irreversible step (for the other types it is the execution of the plan).
DISCLOSING = frozenset({"access", "portability"})


class Outcome(StrEnum):
    GO = "go"            # carry the step out now
    PENDING = "pending"  # recorded; waits for a second coordinator


class SecondPersonNeeded(ActionError):
    """The same coordinator tried to give the second confirmation of their own request."""


def needs_four_eyes(step: str, types: list[str], configured: list[str]) -> bool:
    """True when ``step`` of a request of ``types`` needs a second coordinator: the execution
    of the plan for any configured type, the release for a configured disclosing type."""
    listed = set(types) & set(configured)
    if step == "execute":
        return bool(listed)
    if step == "release":
        return bool(listed & DISCLOSING)
    return False


def waiting(session: Session, request_id: int, step: str | None = None) -> ApprovalRequest | None:
    """The open approval request of this request (and step), if any."""
    query = select(ApprovalRequest).where(ApprovalRequest.request_id == request_id,
                                          ApprovalRequest.confirmed_by.is_(None),
                                          ApprovalRequest.closed_at.is_(None))
    if step is not None:
        query = query.where(ApprovalRequest.step == step)
    return session.scalars(query.order_by(ApprovalRequest.id.desc())).first()


def second_person(session: Session, request: Request, step: str, *, digest: str, actor: str,
                  payload: dict[str, Any], required: bool) -> Outcome:
    """Decide whether ``actor``'s confirmation of ``step`` (summary ``digest``) may be carried
    out now. Not ``required``: at once. Else the first confirmation is recorded (PENDING); a
    second, different coordinator's confirmation of the same summary lets it go (GO); the same
    coordinator twice is refused. An open request for another summary (the plan changed) is
    closed and this confirmation becomes the first one."""
    if not required:
        return Outcome.GO
    now = clock_of(session).now()
    open_one = waiting(session, request.id, step)
    if open_one is not None and open_one.digest != digest:
        open_one.closed_at, open_one.closed_why = now, "changed"
        append_event(session, actor=actor, action=AuditAction.APPROVAL_SUPERSEDED,
                     request_id=request.id, details={"approval": open_one.id, "step": step})
        open_one = None
    if open_one is None:
        record = ApprovalRequest(request_id=request.id, step=step, digest=digest,
                                 payload=payload, requested_by=actor, requested_at=now)
        session.add(record)
        session.flush()
        append_event(session, actor=actor, action=AuditAction.APPROVAL_REQUESTED,
                     request_id=request.id, details={"approval": record.id, "step": step})
        return Outcome.PENDING
    if open_one.requested_by == actor:
        raise SecondPersonNeeded(
            "Ein zweiter, anderer Koordinator muss bestätigen (Vier-Augen-Prinzip). / A "
            "second, different coordinator must confirm (four-eyes).",
            msgid="err_four_eyes_same_person")
    open_one.confirmed_by, open_one.confirmed_at = actor, now
    session.flush()
    append_event(session, actor=actor, action=AuditAction.APPROVAL_CONFIRMED, request_id=request.id,
                 details={"approval": open_one.id, "step": step})
    return Outcome.GO


def withdraw(session: Session, approval: ApprovalRequest, *, actor: str) -> None:
    """Close an open approval request (its first coordinator, or any coordinator who will
    not confirm it); the step can be confirmed afresh."""
    if approval.confirmed_by is not None or approval.closed_at is not None:
        raise ServiceError("this approval request is no longer open",
                           msgid="err_approval_closed")
    approval.closed_at, approval.closed_why = clock_of(session).now(), "withdrawn"
    session.flush()
    append_event(session, actor=actor, action=AuditAction.APPROVAL_WITHDRAWN,
                 request_id=approval.request_id, details={"approval": approval.id})
