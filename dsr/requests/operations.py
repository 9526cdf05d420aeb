"""What a coordinator does to a request: verify, process, approve, release, reject, withdraw.

Each action checks the state through ``workflows.transition`` (the only place a status is
set), records its decisions, and adds the tasks that carry the work out; it flushes and the
edge (web request, API call, CLI) commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from connectors.changes import CHANGE_TYPES
from dsr.audit import AuditAction, append_event
from dsr.changes.operations import current_plans
from dsr.clock import clock_of
from dsr.errors import ServiceError
from dsr.permissions import Permission, roles_with
from dsr.requests.contracts import SubjectKeys
from dsr.requests.models import Decision, Outcome, Request
from dsr.security import overrides
from dsr.users.models import User
from workflows import outbox
from workflows.deadlines import Calendar, DeadlineError, extended_due_date
from workflows.models import Phase, Task, TaskKind, TaskStatus
from workflows.outbox import TaskSpec
from workflows.states import OPEN_STATES, Facts, State, Step, edge, transition

#: Request types that disclose data and so need the access phase.
DISCLOSING = {"access", "portability"}
#: The norm each right's decision is proposed with. A decision stores its norm as the German
#: citation (what a coordinator types, too); answers, letters and pages cite it in their
#: language (dsr.norms.cite: "Art. 7 Abs. 3 DSGVO" / "Art. 7(3) GDPR").
NORMS = {
    "access": "Art. 15 DSGVO",
    "portability": "Art. 20 DSGVO",
    "rectification": "Art. 16 DSGVO",
    "restriction": "Art. 18 DSGVO",
    "erasure": "Art. 17 DSGVO",
    "objection": "Art. 21 DSGVO",
    "consent_withdrawal": "Art. 7 Abs. 3 DSGVO",
    "contest_decision": "Art. 22 Abs. 3 DSGVO",
}
#: How an identity check can pass; the method goes into the audit chain, so no free text.
VERIFY_METHODS = ("manual", "email_code", "signed_in", "id_document", "power_of_attorney")


class ActionError(ServiceError):
    """The action cannot be taken on this request now; the message says why."""


NO_ADDRESS_FOR_WAIT = ("Kein zweiter Koordinator und keine E-Mail-Adresse im System, an die die "
                       "Wartefrist angekündigt werden kann. / No second coordinator and no e-mail "
                       "address on file to announce the waiting period to.")
HOLD_CHANGED = ("Eine rechtliche Sperre des Betroffenen wurde nach der Planung gesetzt oder "
                "aufgehoben: bitte den Plan neu erstellen, dann „Änderungen ausführen…“. / A legal "
                "hold of the subject was placed or lifted after planning: make the plan again, "
                "then “Carry out the changes…”.")


@dataclass(frozen=True)
class DecisionInput:
    right: str
    category: str
    outcome: str
    norm: str
    reason: str = ""


def verify(session: Session, request: Request, *, actor: str, method: str,
           subject_keys: SubjectKeys | None = None,
           settings: dict[str, Any] | None = None, reason: str = "",
           wait_hours: int = 72) -> str:
    """Record the coordinator's decision that the identity check passed (method e.g.
    ``manual``, ``id_document``). With the ``[verification]`` settings, the audit event also
    records the level the policy asked for and whether a passed method met it, so a decision
    that overrides the policy's flags is visible as such. Such an override needs a ``reason``
    and, for an erasing or disclosing request, a second coordinator (dsr.security.overrides):
    returns ``"pending"`` while it waits for them, else ``"verified"``. A shop with a single
    active coordinator waits ``wait_hours`` after a notice to the address on file instead
    (``"waiting"``; :func:`apply_waited_overrides` verifies once the period has run out)."""
    if method not in VERIFY_METHODS:
        raise ActionError("method: one of {methods}", msgid="err_verify_method",
                          methods=", ".join(VERIFY_METHODS))
    if subject_keys is not None:
        subject_keys.store_on(request)
    details: dict[str, Any] = {"method": method}
    if settings is not None:
        from dsr.verification.steps import assessment

        found = assessment(session, request, settings)
        details.update(level=found.level.name.lower(), policy_met=found.automatic,
                       flags=list(found.flags))
        if overrides.is_override(found.automatic, found.flags, method):
            single = active_coordinators(session) == 1
            if single and overrides.needs_second_person(list(request.types)) \
                    and overrides.pending(session, request.id) is None \
                    and SubjectKeys.of(request).first("email") is None:
                raise ActionError(NO_ADDRESS_FOR_WAIT, msgid="err_override_no_address")
            try:
                outcome, record = overrides.guard(
                    session, request_id=request.id, types=list(request.types), method=method,
                    actor=actor, reason=reason, now=clock_of(session).now(),
                    single_coordinator=single, wait=timedelta(hours=wait_hours))
            except overrides.OverrideRefused as exc:
                raise ActionError(str(exc)) from None
            if outcome == overrides.Outcome.WAITING:
                outbox.add_task(session, kind=TaskKind.NOTIFY_OVERRIDE, request_id=request.id,
                                queue=outbox.QUEUE_MAIL)
                return "waiting"
            if outcome == overrides.Outcome.PENDING:
                return "pending"
            details["override"] = record.id
    transition(session, request, Step.VERIFY, actor=actor, facts=Facts(method=method),
               details=details)
    return "verified"


def active_coordinators(session: Session) -> int:
    """How many active users may approve requests (a second pair of eyes exists if > 1)."""
    roles = [role.value for role in roles_with(Permission.REQUESTS_APPROVE)]
    return int(session.scalar(select(func.count(User.id)).where(
        User.role.in_(roles), User.active.is_(True))) or 0)


def cancel_override(session: Session, request: Request, *, actor: str) -> None:
    """Stop the request's pending or waiting policy override (it stays unverified)."""
    record = overrides.pending(session, request.id)
    if record is None:
        raise ActionError("there is no pending override to cancel", msgid="err_no_override")
    overrides.cancel(session, record, actor=actor, now=clock_of(session).now())


def apply_waited_overrides(session: Session) -> int:
    """Verify the requests whose override waited out its period (one coordinator's shop);
    an override of a request that moved on meanwhile (withdrawn, rejected) is cancelled.
    Returns how many requests were verified."""
    now = clock_of(session).now()
    verified = 0
    for record in overrides.due(session, now):
        request = session.get(Request, record.request_id)
        if request is None or edge(request.status, Step.VERIFY) is None:
            overrides.cancel(session, record, actor="system", now=now, why="request_closed")
            continue
        overrides.take_effect(session, record, now)
        transition(session, request, Step.VERIFY, actor="system", facts=Facts(method=record.method),
                   details={"method": record.method, "policy_met": False,
                            "override": record.id, "waited": True})
        verified += 1
    return verified


def extend(session: Session, request: Request, *, actor: str, months: int, reason: str,
           calendar: Calendar) -> None:
    """Extend the deadline by one or two months (Art. 12(3)); the requester is told why."""
    if request.extended_due_on is not None:
        raise ActionError("the deadline has been extended already", msgid="err_extended_already")
    if State(request.status) not in OPEN_STATES:
        raise ActionError("extend: the request is {status}", msgid="err_extend_state",
                          status=request.status)
    try:
        new_due = extended_due_date(request.received_at, months, reason,
                                    today=clock_of(session).today(), calendar=calendar)
    except DeadlineError as exc:
        raise ActionError(str(exc)) from None
    request.extended_due_on = new_due
    request.extension_reason = reason.strip()
    append_event(session, actor=actor, action=AuditAction.EXTENDED, request_id=request.id,
                 details={"months": months, "due": new_due.isoformat()})
    outbox.add_task(session, kind=TaskKind.NOTIFY_EXTENSION, request_id=request.id,
                    queue=outbox.QUEUE_MAIL)


def process(session: Session, request: Request, *, actor: str, connectors: list[str]) -> None:
    """Start finding the subject's data in every system; the draft follows as tasks finish."""
    move = transition(session, request, Step.PROCESS, actor=actor)
    known = outbox.tasks_of(session, request.id)
    round_ = _round(known, TaskKind.COMPILE)
    tasks: list[TaskSpec] = []
    if DISCLOSING & set(request.types) or "contest_decision" in request.types:
        tasks += [TaskSpec(TaskKind.COLLECT, name, phase=Phase.COLLECT, round_=round_)
                  for name in connectors]
    if set(CHANGE_TYPES) & set(request.types):
        # Plans are stored before any system is touched; a connector that cannot change
        # data finishes its plan task at once with nothing planned.
        tasks += [TaskSpec(TaskKind.PLAN, name, phase=Phase.COLLECT, round_=round_)
                  for name in connectors]
    tasks.append(TaskSpec(TaskKind.COMPILE, queue=outbox.QUEUE_REPORTS, phase=Phase.COMPILE,
                          round_=round_))
    move.start_all(session, tasks, known)


def _round(known: Sequence[Task], kind: TaskKind) -> int:
    """Processing again after review starts a new round of tasks (their keys differ): the
    number of ``kind`` tasks among the request's ``known`` ones."""
    return sum(1 for task in known if task.kind == kind)


def approve(session: Session, request: Request, *, actor: str, user_id: int | None,
            decisions: list[DecisionInput]) -> None:
    """Record the decisions per right and category and start executing the approved plan
    (shown and confirmed first: dsr.requests.safe_actions)."""
    check_decisions(session, request, decisions)
    move = transition(session, request, Step.APPROVE, actor=actor,
                      facts=Facts(decisions=len(decisions)), details={"decisions": len(decisions)})
    for item in decisions:
        session.add(Decision(request_id=request.id, right=item.right, category=item.category,
                             outcome=item.outcome, norm=item.norm, reason=item.reason,
                             decided_by_id=user_id))
    session.flush()
    known = outbox.tasks_of(session, request.id)
    move.start_all(session, [
        *(TaskSpec(TaskKind.EXECUTE, plan.connector, phase=Phase.EXECUTE, round_=plan.round)
          for plan in current_plans(session, request.id)),
        TaskSpec(TaskKind.FINALISE, queue=outbox.QUEUE_REPORTS, phase=Phase.FINALISE,
                 round_=_round(known, TaskKind.FINALISE))], known)


def check_decisions(session: Session, request: Request, decisions: list[DecisionInput]) -> None:
    """Refuse decisions that cannot be approved (none, an unknown outcome, a refusal without
    reason, a hold changed since planning, a contested decision not reviewed): checked before
    the summary is shown and again when it is confirmed."""
    if not decisions:
        raise ActionError("decisions: at least one decision is needed to approve",
                          msgid="err_approve_needs_decision")
    for item in decisions:
        if item.outcome not in Outcome.__members__.values():
            raise ActionError("decisions: unknown outcome {outcome!r}", msgid="err_unknown_outcome",
                              outcome=item.outcome)
        if item.outcome != Outcome.GRANTED and not item.reason.strip():
            raise ActionError("decisions: a partly granted or refused right needs a reason",
                              msgid="err_decision_needs_reason")
    from dsr.changes import holds
    from dsr.contest import operations as contest

    if holds.needs_replan(session, request):
        raise ActionError(HOLD_CHANGED, msgid="err_hold_changed")

    if contest.needs_review(session, request,
                            {d.right for d in decisions if d.outcome == Outcome.REFUSED}):
        raise ActionError(contest.REVIEW_MISSING, msgid="err_review_missing")


def release(session: Session, request: Request, *, actor: str) -> None:
    """Release the answer; the request completes once every execute task is done as well."""
    if request.status != State.EXECUTING:
        raise ActionError("release: the request is {status}, not executing",
                          msgid="err_release_state", status=request.status)
    if request.released_at is None:
        request.released_at = clock_of(session).now()
        append_event(session, actor=actor, action=AuditAction.RELEASED, request_id=request.id)
        if DISCLOSING & set(request.types):  # the answer goes out through delivery (portal)
            outbox.add_task(session, kind=TaskKind.DELIVER, request_id=request.id,
                            queue=outbox.QUEUE_MAIL, phase=Phase.DELIVER)
        if set(CHANGE_TYPES) & set(request.types):  # confirmations once executed
            outbox.add_task(session, kind=TaskKind.CONFIRM_CHANGES, request_id=request.id,
                            queue=outbox.QUEUE_MAIL, phase=Phase.DELIVER)
        if "contest_decision" in request.types:  # the review's outcome in writing
            outbox.add_task(session, kind=TaskKind.NOTIFY_CONTEST, request_id=request.id,
                            queue=outbox.QUEUE_MAIL, phase=Phase.DELIVER)
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
    if request.status != State.EXECUTING or request.released_at is None:
        return False
    unfinished = session.scalar(select(Task.id).where(
        Task.request_id == request.id, Task.status.not_in(outbox.FINISHED)).limit(1))
    if unfinished is not None:
        return False
    transition(session, request, Step.COMPLETE, actor=actor)
    return True


def reject(session: Session, request: Request, *, actor: str, user_id: int | None, norm: str,
           reason: str) -> None:
    """Refuse the whole request with its legal norm and reason (Art. 12(4) letter follows)."""
    if not norm.strip() or not reason.strip():
        raise ActionError("norm and reason are both needed to reject a request",
                          msgid="err_reject_needs_norm_reason")
    move = transition(session, request, Step.REJECT, actor=actor, facts=Facts(norm=norm),
                      reason=norm.strip())
    for right in request.types:
        session.add(Decision(request_id=request.id, right=right, category="*",
                             outcome=Outcome.REFUSED.value, norm=norm.strip(),
                             reason=reason.strip(), decided_by_id=user_id))
    _cancel_open_tasks(session, request)
    move.start(session, TaskKind.NOTIFY_REFUSAL, queue=outbox.QUEUE_MAIL)


def withdraw(session: Session, request: Request, *, actor: str) -> None:
    """The subject withdraws the request; open tasks are waived."""
    transition(session, request, Step.WITHDRAW, actor=actor)
    _cancel_open_tasks(session, request)


def merge_into(session: Session, absorbed: Request, into: Request, *, actor: str) -> None:
    """The same request arrived twice: ``absorbed`` ends as ``merged`` into ``into`` (the
    request that is kept); its open tasks are waived."""
    absorbed.merged_into_id = into.id
    transition(session, absorbed, Step.MERGE, actor=actor, details={"into": into.id})
    _cancel_open_tasks(session, absorbed, why="request merged")


def _cancel_open_tasks(session: Session, request: Request, why: str = "request closed") -> None:
    for task in session.scalars(select(Task).where(Task.request_id == request.id,
                                                   Task.status == TaskStatus.PENDING.value)):
        task.status = TaskStatus.WAIVED.value
        task.last_error = why
    session.flush()


def default_decisions(request: Request, categories: list[str]) -> list[DecisionInput]:
    """Grant every requested right for every category found (the coordinator may change them)."""
    found = categories or ["*"]
    return [DecisionInput(right=t, category=c, outcome=Outcome.GRANTED.value, norm=NORMS[t])
            for t in request.types for c in (found if t in DISCLOSING else ["*"])]


def waive_task(session: Session, task: Task, reason: str, *, actor: str) -> None:
    """Waive one system's unfinished task with the coordinator's reason (raises
    ``outbox.WaiveRefused``), audit it, and complete the request if nothing else is left."""
    outbox.waive(session, task, reason)
    append_event(session, actor=actor, action=AuditAction.TASK_WAIVED, request_id=task.request_id,
                 details={"task": task.id, "kind": task.kind, "connector": task.connector})
    request = session.get(Request, task.request_id) if task.request_id else None
    if request is not None:
        complete_if_done(session, request, actor=actor)
