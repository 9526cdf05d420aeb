"""The request workflow as data: states, the transition table, and the one ``transition()``.

Nothing else assigns ``Request.status``. Every move writes an audit event (who, when, why)
that carries no personal data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from dsr.audit import append_event
from dsr.errors import ServiceError

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
_EXITS = {S.REJECTED, S.WITHDRAWN, S.MERGED}

TRANSITIONS: dict[State, frozenset[State]] = {
    S.RECEIVED: frozenset({S.AWAITING_VERIFICATION} | _EXITS),
    S.AWAITING_VERIFICATION: frozenset({S.VERIFIED} | _EXITS),
    S.VERIFIED: frozenset({S.PROCESSING} | _EXITS),
    S.PROCESSING: frozenset({S.REVIEW, S.REJECTED, S.WITHDRAWN}),
    # Back to processing when the coordinator wants the plan made again.
    S.REVIEW: frozenset({S.EXECUTING, S.PROCESSING, S.REJECTED, S.WITHDRAWN}),
    S.EXECUTING: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.MERGED: frozenset(),
}

OPEN_STATES = frozenset(s for s, targets in TRANSITIONS.items() if targets)
TERMINAL_STATES = frozenset(State) - OPEN_STATES
#: States in which the clock waits on the data subject (shown in the queue).
WAITING_ON_SUBJECT = frozenset({S.AWAITING_VERIFICATION})


class TransitionError(ServiceError):
    """A move that the table does not allow (the page says the step is not possible now)."""


def allowed(current: str, target: State) -> bool:
    return target in TRANSITIONS[State(current)]


def transition(session: Session, request: Request, target: State, *, actor: str,
               reason: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Move ``request`` to ``target`` and append the audit event; flushes, never commits.

    ``reason`` is a short code or norm (e.g. ``"Art. 12(5)"``), not free text about a person.
    """
    current = State(request.status)
    if target not in TRANSITIONS[current]:
        raise TransitionError("request {reference}: {current} -> {target} is not allowed",
                              msgid="err_transition_not_now", reference=request.reference,
                              current=current.value, target=target.value)
    request.status = target.value
    session.flush()
    payload = dict(details or {})
    if reason:
        payload["reason"] = reason
    append_event(session, actor=actor, action="transition", request_id=request.id,
                 from_state=current.value, to_state=target.value, details=payload)
