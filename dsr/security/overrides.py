"""Overriding a failed identity policy: never with one click.

A coordinator who verifies a request that the policy has not cleared and has doubts about (no
passed method meets the level, a flag is raised, and the decision does not rest on a document
decided on, an ID copy or a power of attorney) must give a reason, which is kept. For a request that erases or discloses data
(access, portability, erasure), the override is only *pending* until a second, different
coordinator confirms it; only then does the request move to verified.

A shop with a single active coordinator cannot have a second one confirm: there the override
*waits* — a notice goes to the address on file, and the override takes effect only after
``[workflow] single_coordinator_wait_hours`` (on the service clock, :func:`due`), unless it is
cancelled before (the coordinator, or the subject's objection recorded by them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.security.models import OverrideState, PolicyOverride

#: Decisions that rest on evidence the coordinator looked at (not an override).
EVIDENCE_METHODS = frozenset({"id_document", "power_of_attorney"})
#: Request types whose consequences cannot be undone: a second coordinator must confirm.
FOUR_EYES_TYPES = frozenset({"access", "portability", "erasure"})
MAX_REASON = 1000


class OverrideRefused(ValueError):
    """The override cannot be recorded as asked; the message says why."""


class Outcome(StrEnum):
    GO = "go"            # verify now
    PENDING = "pending"  # recorded; waits for a second coordinator
    WAITING = "waiting"  # recorded; takes effect after the waiting period (one coordinator)


#: Flags that are a channel, not a doubt (a letter is checked by reading it).
NOT_A_FAILURE = frozenset({"postal"})


def is_override(policy_met: bool, flags: tuple[str, ...] | list[str], method: str) -> bool:
    """True when verifying with ``method`` goes against a failed policy: it is not met, it
    raised a doubt (a mismatch, an unauthenticated channel, no or several subjects found, a
    change of contact details, ...), and the decision does not rest on a document."""
    doubts = [f for f in flags if f.split(":", 1)[0] not in NOT_A_FAILURE]
    return not policy_met and bool(doubts) and method not in EVIDENCE_METHODS


def needs_second_person(types: list[str]) -> bool:
    return bool(FOUR_EYES_TYPES & set(types))


def pending(session: Session, request_id: int) -> PolicyOverride | None:
    """The override of this request waiting for a second coordinator (or its waiting
    period), if any; a cancelled one is not."""
    return session.scalars(select(PolicyOverride).outerjoin(
        OverrideState, OverrideState.override_id == PolicyOverride.id).where(
        PolicyOverride.request_id == request_id, PolicyOverride.confirmed_by.is_(None),
        OverrideState.cancelled_at.is_(None)).order_by(PolicyOverride.id.desc())).first()


def effective_at(session: Session, record: PolicyOverride) -> datetime | None:
    """When a waiting override takes effect (None: it waits for a second coordinator)."""
    state = _state(session, record)
    return state.effective_at if state is not None else None


def _state(session: Session, record: PolicyOverride) -> OverrideState | None:
    return session.scalars(select(OverrideState).where(
        OverrideState.override_id == record.id)).first()


def due(session: Session, now: datetime) -> list[PolicyOverride]:
    """Waiting overrides whose period has run out (and that nobody cancelled)."""
    return list(session.scalars(select(PolicyOverride).join(
        OverrideState, OverrideState.override_id == PolicyOverride.id).where(
        OverrideState.effective_at.is_not(None), OverrideState.effective_at <= now,
        OverrideState.cancelled_at.is_(None), PolicyOverride.confirmed_by.is_(None))
        .order_by(PolicyOverride.id)))


def cancel(session: Session, record: PolicyOverride, *, actor: str, now: datetime,
           why: str = "cancelled") -> None:
    """Stop a pending or waiting override (the request stays unverified); audited."""
    state = _state(session, record)
    if record.confirmed_by is not None or (state is not None and state.cancelled_at):
        raise OverrideRefused("this override is no longer pending")
    if state is None:
        state = OverrideState(override_id=record.id, request_id=record.request_id)
        session.add(state)
    state.cancelled_at, state.cancelled_by = now, actor
    session.flush()
    append_event(session, actor=actor, action=AuditAction.POLICY_OVERRIDE_CANCELLED,
                 request_id=record.request_id, details={"override": record.id, "why": why})


def take_effect(session: Session, record: PolicyOverride, now: datetime) -> None:
    """The waiting period of ``record`` has run out: it counts as confirmed (by the period)."""
    record.confirmed_by, record.confirmed_at = "system:waiting_period", now
    session.flush()
    append_event(session, actor="system", action=AuditAction.POLICY_OVERRIDE_EFFECTIVE,
                 request_id=record.request_id, details={"override": record.id})


def guard(session: Session, *, request_id: int, types: list[str], method: str, actor: str,
          reason: str, now: datetime, single_coordinator: bool = False,
          wait: timedelta = timedelta(hours=72)) -> tuple[Outcome, PolicyOverride]:
    """Record an override by ``actor`` (flushes) and say whether the request may be verified.

    The first coordinator's override of an erasing or disclosing request stays pending; a
    second, different coordinator's call confirms it (their reason may be empty: they confirm
    the first one's). The same coordinator cannot confirm their own override. With a
    ``single_coordinator`` the override waits for ``wait`` instead (``WAITING``: the caller
    sends the notice).
    """
    reason = reason.strip()[:MAX_REASON]
    waiting = pending(session, request_id) if needs_second_person(types) else None
    if waiting is not None:
        if waiting.requested_by == actor:
            if effective_at(session, waiting) is not None:
                raise OverrideRefused("this override takes effect after its waiting period "
                                      "(a notice went to the address on file)")
            raise OverrideRefused("a second, different coordinator must confirm this override")
        waiting.confirmed_by, waiting.confirmed_at = actor, now
        append_event(session, actor=actor, action=AuditAction.POLICY_OVERRIDE_CONFIRMED,
                     request_id=request_id, details={"override": waiting.id})
        session.flush()
        return Outcome.GO, waiting
    if not reason:
        raise OverrideRefused("the identity policy is not met: a reason is needed to verify "
                              "anyway")
    record = PolicyOverride(request_id=request_id, method=method, reason=reason,
                            requested_by=actor, requested_at=now)
    session.add(record)
    second = needs_second_person(types)
    if not second:
        record.confirmed_by, record.confirmed_at = actor, now
    session.flush()
    if second and single_coordinator:
        session.add(OverrideState(override_id=record.id, request_id=request_id,
                                  effective_at=now + wait))
        session.flush()
    outcome = (Outcome.GO if not second else
               Outcome.WAITING if single_coordinator else Outcome.PENDING)
    action = {Outcome.GO: AuditAction.POLICY_OVERRIDE,
              Outcome.PENDING: AuditAction.POLICY_OVERRIDE_REQUESTED,
              Outcome.WAITING: AuditAction.POLICY_OVERRIDE_WAITING}[outcome]
    append_event(session, actor=actor, action=action, request_id=request_id,
                 details={"override": record.id, "method": method})
    return outcome, record
