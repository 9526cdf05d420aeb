"""Records past their retention period, found while an access request is answered.

The answer discloses the data held when the request arrived (erasing it because someone asked
would be worse), but it must never contradict its own retention section. So, while the data
is collected, every system that can tell (:class:`~connectors.capabilities.FindsOverdue`)
works out — touching nothing — which of the subject's fields have outlived their retention
rule and how the data map erases them. The coordinator sees them in review, the answer names
them with the day their period ended and says they are erased once it is released, and the
retention run erases them after release through its normal, recorded path (a stored plan, its
receipt, the erasure journal). A legal hold on the subject keeps them until it is lifted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Subject
from connectors.capabilities import Executes, FindsOverdue, subject_holder
from connectors.changes import ChangeRequest, Plan
from dsr.audit import AuditAction, append_event
from dsr.changes import operations as changes
from dsr.changes.models import ChangePlan
from dsr.documents import Document, DocumentStore
from dsr.requests.models import Request
from dsr.requests.subjects import subject_for

if TYPE_CHECKING:
    from dsr.context import Services

KIND = "overdue_plan"
"""The stored kind of a system's plan for the subject's overdue fields (encrypted JSON)."""


@dataclass(frozen=True)
class OverdueGroup:
    """The subject's rows of one table whose fields under one rule are past their period."""

    connector: str
    target: str
    action: str
    fields: tuple[str, ...]
    rule: str
    norm: str
    ended: date
    keys: tuple[tuple[Any, ...], ...]


def overdue_request(services: Services, request: Request, name: str,
                    subject: Subject) -> ChangeRequest | None:
    """What system ``name`` is asked for the subject's fields past their period; None when
    it is not asked (not an access request, a subject without keys, a system that cannot
    tell)."""
    if (services.capable(name, FindsOverdue) is None or "access" not in request.types
            or not subject.keys):
        return None
    return ChangeRequest(reference=request.reference, types=("overdue",),
                         today=services.clock.today(),
                         rules=changes.retention_rules(services.register))


def find_overdue(services: Services, session: Session, request: Request, name: str,
                 subject: Subject) -> int:
    """Store the plan that erases the subject's fields past their period in system ``name``
    (only for an access request, only when there are any); touches nothing. Returns the
    number of planned changes."""
    wanted = overdue_request(services, request, name, subject)
    connector = services.capable(name, FindsOverdue)
    if wanted is None or connector is None:
        return 0
    return store_overdue(services, session, request, name, connector.overdue(subject, wanted))


def store_overdue(services: Services, session: Session, request: Request, name: str,
                  plan: Plan) -> int:
    """Store system ``name``'s ``plan`` for the subject's fields past their period (when it
    plans anything); returns the number of planned changes."""
    if not plan.changes:
        return 0
    holder = subject_holder(services.connectors[name])
    body = {"plan": plan.to_json(), "holder": holder,
            "keys": [list(key) for key in subject_for(request, holder).keys]}
    services.documents.put(session, request_id=request.id, kind=KIND, filename=f"{name}.json",
                           content_type="application/json", data=json.dumps(body).encode(),
                           flush=False)  # with the collected data, in the job's commit
    return len(plan.changes)


def _newest(session: Session, request_ids: list[int] | None = None,
            stored: Sequence[Document] | None = None) -> dict[tuple[int, str], list[Document]]:
    """The stored overdue plans still open, newest last, by request and system (of
    ``stored``, the request's documents the caller has read already, when given)."""
    if stored is None:
        query = select(Document).where(Document.kind == KIND, Document.deleted_at.is_(None))
        if request_ids is not None:
            query = query.where(Document.request_id.in_(request_ids))
        stored = session.scalars(query.order_by(Document.id)).all()
    found: dict[tuple[int, str], list[Document]] = {}
    for doc in stored:
        if doc.kind != KIND or doc.deleted_at is not None:
            continue
        assert doc.request_id is not None
        found.setdefault((doc.request_id, doc.filename), []).append(doc)
    return found


def overdue_of(session: Session, store: DocumentStore, request_id: int,
               stored: Sequence[Document] | None = None) -> list[OverdueGroup]:
    """What the request's answer shows as past its period, grouped by table, action and rule
    (``stored``: the request's documents, oldest first, when the caller has read them)."""
    groups: dict[tuple[str, str, str, tuple[str, ...], str], list[Any]] = {}
    for docs in _newest(session, [request_id], stored).values():
        plan = Plan.from_json(json.loads(store.read(docs[-1]))["plan"])
        for change in plan.changes:
            rule = change.reason.split(":", 1)[1] if ":" in change.reason else change.reason
            key = (plan.system, change.target, change.action, change.fields, rule)
            groups.setdefault(key, []).append(change)
    return [OverdueGroup(connector, target, action, fields, rule, found[0].norm,
                         max(c.retained_until for c in found if c.retained_until),
                         tuple(c.key for c in found))
            for (connector, target, action, fields, rule), found in sorted(
                groups.items(), key=lambda item: item[0])]


def erase_released(services: Services) -> dict[str, int]:
    """Erase the overdue fields of every released answer (the retention run's part for
    them): each system's plan is stored, executed and receipted like the run's own, the
    erasure journal written, an audit event recorded. A request not yet released, or a
    subject under an active legal hold, keeps its fields; counts only, no personal data."""
    done = {"plans": 0, "changes": 0}
    with services.db.session() as session:
        released = set(session.scalars(select(Request.id).where(
            Request.released_at.is_not(None))))
        work = []
        for (request_id, _), docs in _newest(session).items():
            if request_id not in released:
                continue
            body = json.loads(services.documents.read(docs[-1]))
            plan = Plan.from_json(body["plan"])
            if plan.system not in services.connectors or changes.active_holds(
                    session, body["holder"], body["keys"]):
                continue
            work.append((request_id, plan, [doc.id for doc in docs]))
    for request_id, plan, doc_ids in work:
        with services.db.session() as session:
            row = changes.store_plan(session, request_id=None, connector=plan.system, round_=0,
                                     plan=plan, purpose="retention")
            plan_id = row.id
        receipt = services.require(plan.system, Executes).execute(
            plan, changes.DbStepLog(services, plan_id))
        with services.db.session() as session:
            stored = session.get(ChangePlan, plan_id)
            assert stored is not None
            changes.record_receipt(services, session, stored, plan, receipt)
            for doc in session.scalars(select(Document).where(Document.id.in_(doc_ids))):
                services.documents.delete(doc)
            append_event(session, actor="system", action=AuditAction.OVERDUE_ERASED,
                         request_id=request_id,
                         details={"connector": plan.system, "plan": plan_id,
                                  "changes": len(plan.changes)})
        done["plans"] += 1
        done["changes"] += len(plan.changes)
    return done
