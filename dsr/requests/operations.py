"""What a coordinator does to a request: verify, process, approve, release, reject, withdraw.

Each action checks the state through ``workflows.transition`` (the only place a status is
set), records its decisions, and adds the tasks that carry the work out; it flushes and the
edge (web request, API call, CLI) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from dsr.changes.operations import current_plans
from dsr.clock import clock_of
from dsr.requests.models import Decision, Outcome, Request
from workflows import states
from workflows.deadlines import Calendar, DeadlineError, extended_due_date
from workflows.states import State, transition

#: Request types that disclose data and so need the access phase.
DISCLOSING = {"access", "portability"}
NORMS = {
    "access": "Art. 15 DSGVO / GDPR",
    "portability": "Art. 20 DSGVO / GDPR",
    "rectification": "Art. 16 DSGVO / GDPR",
    "restriction": "Art. 18 DSGVO / GDPR",
    "erasure": "Art. 17 DSGVO / GDPR",
    "objection": "Art. 21 DSGVO / GDPR",
    "consent_withdrawal": "Art. 7(3) DSGVO / GDPR",
    "contest_decision": "Art. 22(3) DSGVO / GDPR",
}
#: How a coordinator's identity check can pass; the method goes into the audit chain, so no
#: free text (the engine's ``METHOD_NAMED`` guard knows the automatic methods as well).
VERIFY_METHODS = states.VERIFY_METHODS


class ActionError(ValueError):
    """The action cannot be taken on this request now; the message says why."""


HOLD_CHANGED = ("Eine rechtliche Sperre des Betroffenen wurde nach der Planung gesetzt oder "
                "aufgehoben: bitte den Plan neu erstellen, dann freigeben. / A legal hold of the "
                "subject was placed or lifted after planning: make the plan again, then approve.")


@dataclass(frozen=True)
class DecisionInput:
    right: str
    category: str
    outcome: str
    norm: str
    reason: str = ""


def _move(session: Session, request: Request, target: State, **kwargs: Any) -> None:
    """Take the edge to ``target``; a guard's refusal is this action's error."""
    try:
        transition(session, request, target, **kwargs)
    except states.Refused as exc:
        raise ActionError(exc.reason) from None


def verify(session: Session, request: Request, *, actor: str, method: str,
           subject_keys: dict[str, list[list[object]]] | None = None,
           settings: dict[str, Any] | None = None) -> None:
    """Record the coordinator's decision that the identity check passed (method e.g.
    ``manual``, ``id_document``). With the ``[verification]`` settings, the audit event also
    records the level the policy asked for and whether a passed method met it, so a decision
    that overrides the policy's flags is visible as such."""
    if method not in VERIFY_METHODS:
        raise ActionError(f"method: one of {', '.join(VERIFY_METHODS)}")
    states.edge_for(request, State.VERIFIED)  # refused before anything is recorded
    if subject_keys is not None:
        request.subject_keys = subject_keys
    details: dict[str, Any] = {"method": method}
    if settings is not None:
        from dsr.verification.steps import assessment

        found = assessment(session, request, settings)
        details.update(level=found.level.name.lower(), policy_met=found.automatic,
                       flags=list(found.flags))
    _move(session, request, State.VERIFIED, actor=actor, details=details)


def extend(session: Session, request: Request, *, actor: str, months: int, reason: str,
           calendar: Calendar) -> None:
    """Extend the deadline by one or two months (Art. 12(3)); the requester is told why."""
    try:
        states.check(session, request, states.EXTEND, actor=actor)
    except states.Refused as exc:
        raise ActionError(exc.reason) from None
    try:
        new_due = extended_due_date(request.received_at, months, reason,
                                    today=clock_of(session).today(), calendar=calendar)
    except DeadlineError as exc:
        raise ActionError(str(exc)) from None
    states.take(session, request, states.EXTEND, actor=actor,
                details={"months": months, "due": new_due.isoformat()})
    request.extended_due_on = new_due
    request.extension_reason = reason.strip()
    session.flush()


def process(session: Session, request: Request, *, actor: str, connectors: list[str]) -> None:
    """Start finding the subject's data in every system; the draft follows as tasks finish."""
    _move(session, request, State.PROCESSING, actor=actor, inputs={"connectors": connectors})


def approve(session: Session, request: Request, *, actor: str, user_id: int | None,
            decisions: list[DecisionInput]) -> None:
    """Record the decisions per right and category and start executing the approved plan."""
    from dsr.changes import holds
    from dsr.contest import operations as contest

    refused = {d.right for d in decisions if d.outcome == Outcome.REFUSED}
    findings = {
        "decisions": decisions,
        "plan_changed": HOLD_CHANGED if decisions and holds.needs_replan(session, request)
        else None,
        "contest_review_missing": contest.REVIEW_MISSING
        if decisions and contest.needs_review(session, request, refused) else None,
        "plans": [(plan.connector, plan.round) for plan in current_plans(session, request.id)],
    }
    _move(session, request, State.EXECUTING, actor=actor, details={"decisions": len(decisions)},
          inputs=findings)
    for item in decisions:
        session.add(Decision(request_id=request.id, right=item.right, category=item.category,
                             outcome=item.outcome, norm=item.norm, reason=item.reason,
                             decided_by_id=user_id))
    session.flush()


def release(session: Session, request: Request, *, actor: str) -> None:
    """Release the answer; the request completes once every execute task is done as well."""
    try:
        states.check(session, request, states.RELEASE, actor=actor)
    except states.Refused as exc:
        raise ActionError(exc.reason) from None
    if request.released_at is None:
        request.released_at = clock_of(session).now()
        states.take(session, request, states.RELEASE, actor=actor)
        session.flush()
    complete_if_done(session, request, actor=actor)


def complete_if_done(session: Session, request: Request, *, actor: str) -> bool:
    """Move to completed when the answer is released and no task is unfinished.

    Called by ``release`` and by the worker after each task of the request. Both first write
    the request row, which locks it (row lock on PostgreSQL, the write lock on SQLite), then
    read it again: whichever comes second sees what the other committed, so the last of the
    two completes the request and neither can miss it.
    """
    session.execute(update(Request).where(Request.id == request.id).values(updated_at=clock_of(session).now()))
    session.refresh(request)
    if request.status != State.EXECUTING:
        return False
    if states.refusal(session, request, State.COMPLETED, actor=actor) is not None:
        return False  # not released yet, or a task is unfinished
    transition(session, request, State.COMPLETED, actor=actor)
    return True


def reject(session: Session, request: Request, *, actor: str, user_id: int | None, norm: str,
           reason: str) -> None:
    """Refuse the whole request with its legal norm and reason (Art. 12(4) letter follows)."""
    _move(session, request, State.REJECTED, actor=actor, reason=norm.strip(),
          inputs={"why": reason})
    for right in request.types:
        session.add(Decision(request_id=request.id, right=right, category="*",
                             outcome=Outcome.REFUSED.value, norm=norm.strip(),
                             reason=reason.strip(), decided_by_id=user_id))
    session.flush()


def withdraw(session: Session, request: Request, *, actor: str) -> None:
    """The subject withdraws the request; open tasks are waived."""
    transition(session, request, State.WITHDRAWN, actor=actor)


def default_decisions(request: Request, categories: list[str]) -> list[DecisionInput]:
    """Grant every requested right for every category found (the coordinator may change them)."""
    found = categories or ["*"]
    return [DecisionInput(right=t, category=c, outcome=Outcome.GRANTED.value, norm=NORMS[t])
            for t in request.types for c in (found if t in DISCLOSING else ["*"])]
