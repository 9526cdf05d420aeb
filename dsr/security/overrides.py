"""Overriding a failed identity policy: never with one click.

A coordinator who verifies a request that the policy has not cleared and has doubts about (no
passed method meets the level, a flag is raised, and the decision does not rest on a document
decided on, an ID copy or a power of attorney) must give a reason, which is kept. For a request that erases or discloses data
(access, portability, erasure), the override is only *pending* until a second, different
coordinator confirms it; only then does the request move to verified.

(The workspace issue's general four-eyes mechanism and the waiting period for a shop with a
single coordinator belong elsewhere; this is the server-side hook the verification uses.)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import append_event
from dsr.security.models import PolicyOverride

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
    """The override of this request waiting for a second coordinator, if any."""
    return session.scalars(select(PolicyOverride).where(
        PolicyOverride.request_id == request_id, PolicyOverride.confirmed_by.is_(None))
        .order_by(PolicyOverride.id.desc())).first()


def guard(session: Session, *, request_id: int, types: list[str], method: str, actor: str,
          reason: str, now: datetime) -> tuple[Outcome, PolicyOverride]:
    """Record an override by ``actor`` (flushes) and say whether the request may be verified.

    The first coordinator's override of an erasing or disclosing request stays pending; a
    second, different coordinator's call confirms it (their reason may be empty: they confirm
    the first one's). The same coordinator cannot confirm their own override.
    """
    reason = reason.strip()[:MAX_REASON]
    waiting = pending(session, request_id) if needs_second_person(types) else None
    if waiting is not None:
        if waiting.requested_by == actor:
            raise OverrideRefused("a second, different coordinator must confirm this override")
        waiting.confirmed_by, waiting.confirmed_at = actor, now
        append_event(session, actor=actor, action="policy_override_confirmed",
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
    append_event(session, actor=actor, action="policy_override_requested" if second
                 else "policy_override", request_id=request_id,
                 details={"override": record.id, "method": method})
    return (Outcome.PENDING if second else Outcome.GO), record
