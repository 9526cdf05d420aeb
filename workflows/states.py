"""The request lifecycle as data: the states, the steps between them (each edge with the
guards it checks and the tasks it may start), and the one ``transition()``.

Nothing else assigns ``Request.status``. A step is taken by the operation that owns it
(``dsr.requests``); the engine looks up the edge from the current state, refuses the step when
a guard does not hold, sets the status and appends one audit event (who, when, which step)
that carries no personal data. The tasks a step starts go through the returned ``Move``,
which refuses a kind the edge does not name, so the table below says everything a step does
to the state and the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.errors import ServiceError
from workflows import outbox
from workflows.models import Phase, Task, TaskKind

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


class Step(StrEnum):
    """What moves a request on; stored in the transition's audit event."""

    DISCOVERED = "discovered"        # a system answered the search: the identity check starts
    VERIFY = "verify"                # the identity check passed (code, sign-in, coordinator)
    NO_DATA_FOUND = "no_data_found"  # no system holds the requester: the negative answer
    PROCESS = "process"              # collect and plan in every system (again, after review)
    DRAFTED = "drafted"              # the draft answer and the plans are ready for review
    APPROVE = "approve"              # the coordinator's decisions: carry the plan out
    COMPLETE = "complete"            # the answer is released and every task has finished
    REJECT = "reject"                # the whole request refused, with its norm
    WITHDRAW = "withdraw"            # the requester takes it back
    MERGE = "merge"                  # the same request arrived twice: this one is absorbed


@dataclass(frozen=True)
class Facts:
    """What the operation taking a step established, for the guards that the request row
    alone cannot answer (the engine does not read the domains' contracts)."""

    method: str = ""                  # how the identity check passed
    nothing_to_disclose: bool = False  # no system holds the requester or the answer's address
    decisions: int = 0                # decisions recorded with an approval
    norm: str = ""                    # the legal norm a refusal rests on


@dataclass(frozen=True)
class Guard:
    """A condition a step needs; ``message`` (and its ``msgid``) say why it was refused."""

    name: str
    msgid: str
    message: str
    holds: Callable[[Session, Request, Facts], bool]


def _unfinished(session: Session, request: Request, kinds: tuple[TaskKind, ...] = ()) -> bool:
    query = select(Task.id).where(Task.request_id == request.id,
                                  Task.status.not_in(outbox.FINISHED))
    if kinds:
        query = query.where(Task.kind.in_([kind.value for kind in kinds]))
    return session.scalar(query.limit(1)) is not None


SEARCHED = Guard("searched", "err_guard_searched", "no system has answered the search yet",
                 lambda _s, request, _f: bool(request.match_table))
METHOD = Guard("method", "err_guard_method", "the identity check names no method",
               lambda _s, _r, facts: bool(facts.method))
NOTHING_TO_DISCLOSE = Guard("nothing_to_disclose", "err_guard_nothing_to_disclose",
                            "a system holds a possible match",
                            lambda _s, _r, facts: facts.nothing_to_disclose)
GATHERED = Guard("gathered", "err_guard_gathered", "a system is still being read or planned",
                 lambda session, request, _f: not _unfinished(
                     session, request, (TaskKind.COLLECT, TaskKind.PLAN)))
DECIDED = Guard("decided", "err_approve_needs_decision",
                "at least one decision is needed to approve",
                lambda _s, _r, facts: facts.decisions > 0)
RELEASED = Guard("released", "err_guard_released", "the answer has not been released",
                 lambda _s, request, _f: request.released_at is not None)
FINISHED = Guard("finished", "err_guard_finished", "a task of the request has not finished",
                 lambda session, request, _f: not _unfinished(session, request))
NORM = Guard("norm", "err_reject_needs_norm_reason",
             "norm and reason are both needed to reject a request",
             lambda _s, _r, facts: bool(facts.norm.strip()))
MERGED_INTO = Guard("merged_into", "err_guard_merged_into", "the request to keep is not named",
                    lambda _s, request, _f: request.merged_into_id is not None)


@dataclass(frozen=True)
class Edge:
    step: Step
    source: State
    target: State
    guards: tuple[Guard, ...] = ()
    starts: frozenset[TaskKind] = frozenset()


S, K = State, TaskKind
_BEFORE_EXECUTION = (S.RECEIVED, S.AWAITING_VERIFICATION, S.VERIFIED, S.PROCESSING, S.REVIEW)
_COLLECTING = frozenset({K.COLLECT, K.PLAN, K.COMPILE})

EDGES: tuple[Edge, ...] = (
    Edge(Step.DISCOVERED, S.RECEIVED, S.AWAITING_VERIFICATION, (SEARCHED,),
         frozenset({K.VERIFY_IDENTITY})),
    Edge(Step.VERIFY, S.AWAITING_VERIFICATION, S.VERIFIED, (METHOD,)),
    Edge(Step.NO_DATA_FOUND, S.AWAITING_VERIFICATION, S.EXECUTING, (SEARCHED, NOTHING_TO_DISCLOSE),
         frozenset({K.SEND_NO_DATA})),
    Edge(Step.PROCESS, S.VERIFIED, S.PROCESSING, starts=_COLLECTING),
    # Back to processing when the coordinator wants the plan made again.
    Edge(Step.PROCESS, S.REVIEW, S.PROCESSING, starts=_COLLECTING),
    Edge(Step.DRAFTED, S.PROCESSING, S.REVIEW, (GATHERED,)),
    Edge(Step.APPROVE, S.REVIEW, S.EXECUTING, (DECIDED,), frozenset({K.EXECUTE, K.FINALISE})),
    Edge(Step.COMPLETE, S.EXECUTING, S.COMPLETED, (RELEASED, FINISHED)),
    *(Edge(Step.REJECT, source, S.REJECTED, (NORM,), frozenset({K.NOTIFY_REFUSAL}))
      for source in _BEFORE_EXECUTION),
    *(Edge(Step.WITHDRAW, source, S.WITHDRAWN) for source in _BEFORE_EXECUTION),
    *(Edge(Step.MERGE, source, S.MERGED, (MERGED_INTO,))
      for source in (S.RECEIVED, S.AWAITING_VERIFICATION, S.VERIFIED)),
)

#: The states each state can move to (read from the edges; for pages and queries).
TRANSITIONS: dict[State, frozenset[State]] = {
    state: frozenset(edge.target for edge in EDGES if edge.source == state) for state in State}
OPEN_STATES = frozenset(s for s, targets in TRANSITIONS.items() if targets)
TERMINAL_STATES = frozenset(State) - OPEN_STATES
#: States in which the clock waits on the data subject (shown in the queue).
WAITING_ON_SUBJECT = frozenset({S.AWAITING_VERIFICATION})


class TransitionError(ServiceError):
    """A step the table does not allow now (the page says the step is not possible now)."""


def edge(current: str, step: Step) -> Edge | None:
    """The edge ``step`` takes from ``current`` (None when the step does not start there)."""
    return next((e for e in EDGES if e.source == current and e.step == step), None)


def allowed(current: str, target: State) -> bool:
    return target in TRANSITIONS[State(current)]


@dataclass(frozen=True)
class Move:
    """A step just taken: the only way to start the tasks its edge names."""

    edge: Edge
    request_id: int

    def start(self, session: Session, kind: TaskKind, *, connector: str = "",
              queue: str = outbox.QUEUE_CONNECTORS, phase: Phase = Phase.DISCOVER,
              round_: int = 0) -> Task:
        if kind not in self.edge.starts:
            raise ValueError(f"step {self.edge.step} does not start {kind} tasks")
        return outbox.add_task(session, kind=kind, request_id=self.request_id,
                               connector=connector, queue=queue, phase=phase, round_=round_)

    def start_all(self, session: Session, specs: Sequence[outbox.TaskSpec],
                  known: Sequence[Task] | None = None) -> list[Task]:
        """:meth:`start` for several tasks at once (one look-up, one insert; ``known``: the
        request's tasks, read in this transaction already)."""
        for spec in specs:
            if spec.kind not in self.edge.starts:
                raise ValueError(f"step {self.edge.step} does not start {spec.kind} tasks")
        return outbox.add_tasks(session, self.request_id, specs, known)


def transition(session: Session, request: Request, step: Step, *, actor: str,
               facts: Facts = Facts(), reason: str | None = None,
               details: dict[str, Any] | None = None) -> Move:
    """Take ``step``: check its guards, set the status and append the audit event; flushes,
    never commits.

    ``reason`` is a short code or norm (e.g. ``"Art. 12(5)"``), not free text about a person.
    """
    current = State(request.status)
    found = edge(current, step)
    if found is None:
        raise TransitionError("request {reference}: {step} is not possible when {current}",
                              msgid="err_transition_not_now", reference=request.reference,
                              current=current.value, step=step.value)
    for guard in found.guards:
        if not guard.holds(session, request, facts):
            raise TransitionError(guard.message, msgid=guard.msgid)
    request.status = found.target.value
    session.flush()
    payload = {"step": step.value, **(details or {})}
    if reason:
        payload["reason"] = reason
    append_event(session, actor=actor, action=AuditAction.TRANSITION, request_id=request.id,
                 from_state=current.value, to_state=found.target.value, details=payload)
    return Move(found, request.id)
