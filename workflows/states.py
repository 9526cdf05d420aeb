"""The request lifecycle as data: the states, the edges between them (each with the guards
that must hold and the tasks it starts), the steps taken inside a state, and the one
``transition()``.

Nothing else assigns ``Request.status``. Every move writes one audit event (who, when, why)
that carries no personal data. The engine knows a request only by the attributes it reads;
facts that only a domain can establish (is the plan still current? is the contest reviewed?)
are handed in by the operation as ``inputs`` and judged here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.changes import CHANGE_TYPES
from dsr.audit import AuditAction, append_event
from workflows import outbox
from workflows.kinds import Phase, TaskKind
from workflows.models import Task, TaskStatus

if TYPE_CHECKING:
    from dsr.requests.models import Request


class State(StrEnum):
    RECEIVED = "received"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    PROCESSING = "processing"
    REVIEW = "review"
    EXECUTING = "executing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


S = State


def status_check() -> str:
    """The SQL of the ``status`` check constraint on ``requests`` (as the migrations made it)."""
    return "status IN (" + ", ".join(f"'{s.value}'" for s in State) + ")"


class TransitionError(Exception):
    """A move that the table does not allow."""


class Refused(TransitionError):
    """The edge exists, but one of its guards does not hold; ``reason`` says why."""

    def __init__(self, guard: str, reason: str) -> None:
        super().__init__(reason)
        self.guard = guard
        self.reason = reason


@dataclass(frozen=True)
class Move:
    """What a guard sees: the request, who moves it, and what the operation hands in."""

    session: Session
    request: Request
    actor: str
    reason: str | None
    details: Mapping[str, Any]
    inputs: Mapping[str, Any]


@dataclass(frozen=True)
class Guard:
    """A named condition of an edge: ``check`` returns None when it holds, else the reason."""

    name: str
    check: Callable[[Move], str | None]


class DecisionLike(Protocol):
    @property
    def outcome(self) -> str: ...
    @property
    def reason(self) -> str: ...


# --- guards ------------------------------------------------------------------------------

#: How an identity check can pass (a coordinator's methods and the automatic ones); the
#: method goes into the audit chain, so no free text.
VERIFY_METHODS = ("manual", "email_code", "signed_in", "id_document", "power_of_attorney")
AUTOMATIC_METHODS = ("email_code", "signed_in", "authenticated_channel")
#: The outcomes a decision may have (``dsr.requests.models.Outcome``; a test keeps them equal).
OUTCOMES = ("granted", "partly_granted", "refused")
NO_DATA = "no_data"


def _method_named(move: Move) -> str | None:
    method = move.details.get("method")
    if method in VERIFY_METHODS or method in AUTOMATIC_METHODS:
        return None
    return f"method: one of {', '.join(VERIFY_METHODS)}"


def _decisions(move: Move) -> Sequence[DecisionLike]:
    return list(move.inputs.get("decisions") or [])


def _decisions_given(move: Move) -> str | None:
    return None if _decisions(move) else "decisions: at least one decision is needed to approve"


def _outcomes_known(move: Move) -> str | None:
    for item in _decisions(move):
        if item.outcome not in OUTCOMES:
            return f"decisions: unknown outcome {item.outcome!r}"
    return None


def _refusals_reasoned(move: Move) -> str | None:
    for item in _decisions(move):
        if item.outcome != "granted" and not item.reason.strip():
            return "decisions: a partly granted or refused right needs a reason"
    return None


def _domain_finding(key: str, what: str) -> Callable[[Move], str | None]:
    """A guard on a fact only a domain can establish: the operation must hand in ``key``
    (None when the fact holds, else its reason); a missing finding refuses as well."""

    def check(move: Move) -> str | None:
        if key not in move.inputs:
            return f"{what} was not checked"
        finding = move.inputs[key]
        return str(finding) if finding else None

    return check


def _norm_and_reason(move: Move) -> str | None:
    if (move.reason or "").strip() and str(move.inputs.get("why") or "").strip():
        return None
    return "norm and reason are both needed to reject a request"


def _merged_target(move: Move) -> str | None:
    if move.request.merged_into_id is not None:
        return None
    return "merged: the request to keep is not named"


def nothing_found(request: Request) -> bool:
    """True when every system was checked and none holds a subject or a proposal."""
    table = request.match_table or {}
    return bool(table) and all(
        not found.get("subjects") and not found.get("proposals") and not found.get("conflict")
        for found in table.values())


def _nothing_found(move: Move) -> str | None:
    return None if nothing_found(move.request) else "no data found: a system holds a possible match"


def _released(move: Move) -> str | None:
    return None if move.request.released_at is not None else "the answer is not released"


def _tasks_finished(move: Move) -> str | None:
    unfinished = move.session.scalar(select(Task.id).where(
        Task.request_id == move.request.id, Task.status.not_in(outbox.FINISHED)).limit(1))
    return None if unfinished is None else "a task of the request is unfinished"


def _not_extended(move: Move) -> str | None:
    if move.request.extended_due_on is None:
        return None
    return "the deadline has been extended already"


def _in_states(states: Iterable[State], message: str) -> Guard:
    allowed_states = frozenset(states)

    def check(move: Move) -> str | None:
        if State(move.request.status) in allowed_states:
            return None
        return message.format(status=move.request.status)

    return Guard("state", check)


METHOD_NAMED = Guard("method_named", _method_named)
DECISIONS_GIVEN = Guard("decisions_given", _decisions_given)
OUTCOMES_KNOWN = Guard("outcomes_known", _outcomes_known)
REFUSALS_REASONED = Guard("refusals_reasoned", _refusals_reasoned)
PLAN_CURRENT = Guard("plan_current", _domain_finding(
    "plan_changed", "approve: whether a legal hold changed the plan"))
CONTEST_REVIEWED = Guard("contest_reviewed", _domain_finding(
    "contest_review_missing", "approve: whether the contest was reviewed"))
NORM_AND_REASON = Guard("norm_and_reason", _norm_and_reason)
MERGED_TARGET = Guard("merged_target", _merged_target)
NOTHING_FOUND = Guard("nothing_found", _nothing_found)
RELEASED = Guard("released", _released)
TASKS_FINISHED = Guard("tasks_finished", _tasks_finished)
NOT_EXTENDED = Guard("not_extended", _not_extended)


# --- tasks -------------------------------------------------------------------------------

DISCLOSING = frozenset({"access", "portability"})


def _always(request: Request) -> bool:
    return True


def _collects(request: Request) -> bool:
    return bool(DISCLOSING & set(request.types) or "contest_decision" in request.types)


def _changes(request: Request) -> bool:
    return bool(set(CHANGE_TYPES) & set(request.types))


def _discloses(request: Request) -> bool:
    return bool(DISCLOSING & set(request.types))


def _contests(request: Request) -> bool:
    return "contest_decision" in request.types


@dataclass(frozen=True)
class TaskStart:
    """How an edge starts a task of one kind: queue, phase, one task or one per connector
    (``inputs["connectors"]``) or per stored plan (``inputs["plans"]``: connector, round), for
    which requests, and which round (how many tasks of ``round_of`` the request has)."""

    queue: str = outbox.QUEUE_CONNECTORS
    phase: Phase = Phase.DISCOVER
    fan_out: Literal["once", "connectors", "plans"] = "once"
    when: Callable[[Request], bool] = _always
    round_of: TaskKind | None = None


TASKS: dict[TaskKind, TaskStart] = {
    TaskKind.VERIFY_IDENTITY: TaskStart(outbox.QUEUE_MAIL, Phase.COLLECT),
    TaskKind.SEND_NO_DATA: TaskStart(outbox.QUEUE_MAIL),
    # Collecting is needed to disclose data or to review a contested decision.
    TaskKind.COLLECT: TaskStart(phase=Phase.COLLECT, fan_out="connectors", when=_collects,
                                round_of=TaskKind.COMPILE),
    # Plans are stored before any system is touched; a connector that cannot change data
    # finishes its plan task at once with nothing planned.
    TaskKind.PLAN: TaskStart(phase=Phase.COLLECT, fan_out="connectors", when=_changes,
                             round_of=TaskKind.COMPILE),
    TaskKind.COMPILE: TaskStart(outbox.QUEUE_REPORTS, Phase.COMPILE, round_of=TaskKind.COMPILE),
    TaskKind.EXECUTE: TaskStart(phase=Phase.EXECUTE, fan_out="plans"),
    TaskKind.FINALISE: TaskStart(outbox.QUEUE_REPORTS, Phase.FINALISE, round_of=TaskKind.FINALISE),
    # After release: the answer through delivery, confirmations once executed, the contest's
    # outcome in writing.
    TaskKind.DELIVER: TaskStart(outbox.QUEUE_MAIL, Phase.DELIVER, when=_discloses),
    TaskKind.CONFIRM_CHANGES: TaskStart(outbox.QUEUE_MAIL, Phase.DELIVER, when=_changes),
    TaskKind.NOTIFY_CONTEST: TaskStart(outbox.QUEUE_MAIL, Phase.DELIVER, when=_contests),
    TaskKind.NOTIFY_REFUSAL: TaskStart(outbox.QUEUE_MAIL),
    TaskKind.NOTIFY_EXTENSION: TaskStart(outbox.QUEUE_MAIL),
}


def task_round(session: Session, request_id: int, kind: TaskKind) -> int:
    """Processing again after review starts a new round of tasks (their keys differ)."""
    return int(session.scalar(select(func.count(Task.id)).where(
        Task.request_id == request_id, Task.kind == kind.value)) or 0)


def start(session: Session, request: Request, kinds: Iterable[TaskKind],
          inputs: Mapping[str, Any] | None = None) -> list[Task]:
    """Add the tasks of ``kinds`` as :data:`TASKS` describes them; returns the tasks."""
    inputs = inputs or {}
    rounds = {kind: task_round(session, request.id, spec.round_of) if spec.round_of else 0
              for kind in kinds if (spec := TASKS[kind]).round_of}
    added: list[Task] = []
    for kind in kinds:
        spec = TASKS[kind]
        if not spec.when(request):
            continue
        targets: list[tuple[str, int]]
        if spec.fan_out == "connectors":
            targets = [(name, rounds.get(kind, 0)) for name in inputs.get("connectors", [])]
        elif spec.fan_out == "plans":
            targets = [(connector, round_) for connector, round_ in inputs.get("plans", [])]
        else:
            targets = [("", rounds.get(kind, 0))]
        for connector, round_ in targets:
            added.append(outbox.add_task(session, kind=kind, request_id=request.id,
                                         connector=connector, queue=spec.queue,
                                         phase=spec.phase, round_=round_))
    return added


# --- the table ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Edge:
    """One allowed move; ``waives`` (a note) waives the request's pending tasks first. An edge
    with a ``reason`` exists only for a move that gives that reason (``no_data``)."""

    source: State
    target: State
    guards: tuple[Guard, ...] = ()
    starts: tuple[TaskKind, ...] = ()
    waives: str | None = None
    name: str = ""
    reason: str | None = None


_PROCESS = (TaskKind.COLLECT, TaskKind.PLAN, TaskKind.COMPILE)
_BEFORE_EXECUTION = (S.RECEIVED, S.AWAITING_VERIFICATION, S.VERIFIED, S.PROCESSING, S.REVIEW)
_BEFORE_PROCESSING = (S.RECEIVED, S.AWAITING_VERIFICATION, S.VERIFIED)

EDGES: tuple[Edge, ...] = (
    # Every system matched once (the first discover task): the identity check follows.
    Edge(S.RECEIVED, S.AWAITING_VERIFICATION, starts=(TaskKind.VERIFY_IDENTITY,), name="matched"),
    Edge(S.AWAITING_VERIFICATION, S.VERIFIED, guards=(METHOD_NAMED,), name="verify"),
    # "No data found": nothing to verify or disclose; decisions and release are recorded by
    # the operation, the letter goes, and the request completes once it has gone.
    Edge(S.AWAITING_VERIFICATION, S.EXECUTING, guards=(NOTHING_FOUND, RELEASED),
         starts=(TaskKind.SEND_NO_DATA,), name="no_data", reason=NO_DATA),
    Edge(S.VERIFIED, S.PROCESSING, starts=_PROCESS, name="process"),
    Edge(S.PROCESSING, S.REVIEW, name="drafted"),
    # Back to processing when the coordinator wants the plan made again.
    Edge(S.REVIEW, S.PROCESSING, starts=_PROCESS, name="process_again"),
    Edge(S.REVIEW, S.EXECUTING, guards=(DECISIONS_GIVEN, OUTCOMES_KNOWN, REFUSALS_REASONED,
                                        PLAN_CURRENT, CONTEST_REVIEWED),
         starts=(TaskKind.EXECUTE, TaskKind.FINALISE), name="approve"),
    Edge(S.EXECUTING, S.COMPLETED, guards=(RELEASED, TASKS_FINISHED), name="complete"),
    *(Edge(s, S.REJECTED, guards=(NORM_AND_REASON,), starts=(TaskKind.NOTIFY_REFUSAL,),
           waives="request closed", name="reject") for s in _BEFORE_EXECUTION),
    *(Edge(s, S.WITHDRAWN, waives="request closed", name="withdraw") for s in _BEFORE_EXECUTION),
    *(Edge(s, S.MERGED, guards=(MERGED_TARGET,), waives="request merged", name="merge")
      for s in _BEFORE_PROCESSING),
)

EDGE_FOR: dict[tuple[State, State], Edge] = {(e.source, e.target): e for e in EDGES}
TRANSITIONS: dict[State, frozenset[State]] = {
    state: frozenset(e.target for e in EDGES if e.source == state) for state in State}

OPEN_STATES = frozenset(s for s, targets in TRANSITIONS.items() if targets)
TERMINAL_STATES = frozenset(State) - OPEN_STATES
#: States in which the clock waits on the data subject (shown in the queue).
WAITING_ON_SUBJECT = frozenset({S.AWAITING_VERIFICATION})


@dataclass(frozen=True)
class Step:
    """Something done to a request inside its state (no move): its guards, the tasks it
    starts and the audit action it writes."""

    name: str
    audit: AuditAction
    guards: tuple[Guard, ...] = ()
    starts: tuple[TaskKind, ...] = ()


RELEASE = Step("release", AuditAction.RELEASED,
               guards=(_in_states({S.EXECUTING},
                                  "release: the request is {status}, not executing"),),
               starts=(TaskKind.DELIVER, TaskKind.CONFIRM_CHANGES, TaskKind.NOTIFY_CONTEST))
EXTEND = Step("extend", AuditAction.EXTENDED,
              guards=(NOT_EXTENDED, _in_states(OPEN_STATES, "extend: the request is {status}")),
              starts=(TaskKind.NOTIFY_EXTENSION,))
STEPS = (RELEASE, EXTEND)


def allowed(current: str, target: State) -> bool:
    """Whether the table has the edge (its guards are judged only when it is taken)."""
    return target in TRANSITIONS[State(current)]


def _refusal(guards: Iterable[Guard], move: Move) -> Refused | None:
    for guard in guards:
        reason = guard.check(move)
        if reason is not None:
            return Refused(guard.name, reason)
    return None


def edge_for(request: Request, target: State, reason: str | None = None) -> Edge:
    """The edge from the request's state to ``target`` (for ``reason``, where the edge is
    kept for one); TransitionError when there is none."""
    current = State(request.status)
    edge = EDGE_FOR.get((current, target))
    if edge is None or (edge.reason is not None and reason != edge.reason):
        raise TransitionError(f"request {request.reference}: {current} -> {target} is not allowed")
    return edge


def check(session: Session, request: Request, target: State | Step, *, actor: str,
          reason: str | None = None, details: Mapping[str, Any] | None = None,
          inputs: Mapping[str, Any] | None = None) -> None:
    """Raise TransitionError or :class:`Refused` unless the move (or step) may be taken now;
    for operations that must know before they change anything."""
    guards = (target.guards if isinstance(target, Step)
              else edge_for(request, target, reason).guards)
    refused = _refusal(guards, Move(session, request, actor, reason, details or {}, inputs or {}))
    if refused is not None:
        raise refused


def refusal(session: Session, request: Request, target: State, *, actor: str,
            inputs: Mapping[str, Any] | None = None) -> str | None:
    """Why the move cannot be taken now (None when it can)."""
    try:
        check(session, request, target, actor=actor, inputs=inputs)
    except Refused as exc:
        return exc.reason
    except TransitionError as exc:
        return str(exc)
    return None


def _waive(session: Session, request: Request, note: str) -> None:
    for task in session.scalars(select(Task).where(Task.request_id == request.id,
                                                   Task.status == TaskStatus.PENDING.value)):
        task.status, task.last_error = TaskStatus.WAIVED.value, note
    session.flush()


def transition(session: Session, request: Request, target: State, *, actor: str,
               reason: str | None = None, details: dict[str, Any] | None = None,
               inputs: Mapping[str, Any] | None = None) -> list[Task]:
    """Move ``request`` to ``target`` along its edge: the guards must hold, pending tasks are
    waived if the edge says so, the audit event is appended and the edge's tasks are added.
    Flushes, never commits; returns the tasks added.

    ``reason`` is a short code or norm (e.g. ``"Art. 12(5)"``), not free text about a person.
    """
    edge = edge_for(request, target, reason)
    move = Move(session, request, actor, reason, details or {}, inputs or {})
    refused = _refusal(edge.guards, move)
    if refused is not None:
        raise refused
    if edge.waives:
        _waive(session, request, edge.waives)
    current = request.status
    request.status = target.value
    session.flush()
    payload = dict(details or {})
    if reason:
        payload["reason"] = reason
    append_event(session, actor=actor, action=AuditAction.TRANSITION, request_id=request.id,
                 from_state=current, to_state=target.value, details=payload)
    return start(session, request, edge.starts, inputs)


def take(session: Session, request: Request, step: Step, *, actor: str,
         details: dict[str, Any] | None = None,
         inputs: Mapping[str, Any] | None = None) -> list[Task]:
    """Take ``step`` inside the request's state: guards, its audit event, its tasks."""
    check(session, request, step, actor=actor, details=details, inputs=inputs)
    append_event(session, actor=actor, action=step.audit, request_id=request.id,
                 details=details)
    return start(session, request, step.starts, inputs)
