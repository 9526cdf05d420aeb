"""Remind customers the coordinator chose in the queue: a request waiting on its customer's
identity gets a new one-time code, exactly as when the customer asks for one on the status
page (the ``verify_identity`` job sends it, to the address on file only, within the policy's
limit of codes per request)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.requests.models import Request
from dsr.verification import codes
from workflows import outbox
from workflows.models import Task, TaskKind, TaskStatus
from workflows.states import WAITING_ON_SUBJECT


@dataclass(frozen=True)
class Reminded:
    """How many requests were reminded, and how many were skipped (not waiting on their
    customer, or a new code already on its way)."""

    reminded: int
    skipped: int


def _code_on_its_way(session: Session, request_id: int) -> bool:
    return session.scalar(select(Task.id).where(
        Task.request_id == request_id, Task.kind == "verify_identity",
        Task.status.in_((TaskStatus.PENDING.value, TaskStatus.RUNNING.value))).limit(1)) is not None


def remind_customers(session: Session, request_ids: list[int], *, actor: str) -> Reminded:
    """Send the customer of each request of ``request_ids`` that waits on them a new code
    (after the commit, through the outbox); one ``customer_reminded`` event each. Flushes."""
    waiting = {state.value for state in WAITING_ON_SUBJECT}
    reminded = skipped = 0
    for request in session.scalars(select(Request).where(Request.id.in_(request_ids))
                                   .order_by(Request.id)):
        if request.status not in waiting or _code_on_its_way(session, request.id):
            skipped += 1
            continue
        outbox.add_task(session, kind=TaskKind.VERIFY_IDENTITY, request_id=request.id,
                        queue=outbox.QUEUE_MAIL, round_=codes.issued_count(session, request.id))
        append_event(session, actor=actor, action=AuditAction.CUSTOMER_REMINDED,
                     request_id=request.id)
        reminded += 1
    return Reminded(reminded=reminded, skipped=skipped)
