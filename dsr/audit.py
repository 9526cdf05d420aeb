"""The audit chain: append events with the hash of the one before; verify the chain.

Events carry no personal data: ids, states, codes and counts only. The head row is updated
first in the appending transaction, which locks it on every database (a row lock on
PostgreSQL/MariaDB, the write lock on SQLite), so two concurrent transitions cannot fork the
chain; the unique ``seq`` guards it once more.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from dsr.clock import clock_of
from dsr.db import Base

GENESIS = "0" * 64


class AuditAction(StrEnum):
    """Every action the product writes to the audit chain.

    Stored, and hashed into the chain, as its string: a value never changes once events carry
    it, or the chain no longer verifies. Each has its label ``event_<value>`` in the catalogs
    (the request page's audit trail; a ``TRANSITION`` shows its two states there)."""

    # The request's course
    RECEIVED = "received"
    TRANSITION = "transition"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    NOTE_ADDED = "note_added"
    EXTENDED = "extended"
    ESCALATED = "escalated"
    TASK_WAIVED = "task_waived"
    RELEASED = "released"
    REDUCED = "reduced"
    DOCUMENT_DELETED = "document_deleted"

    # Identity verification and its evidence
    CUSTOMER_REMINDED = "customer_reminded"
    POWER_OF_ATTORNEY = "power_of_attorney"
    ANSWER_RECIPIENT = "answer_recipient"
    ADVERTISING_STOPPED = "advertising_stopped"
    ID_COPY_DECIDED = "id_copy_decided"
    ID_COPY_VIEWED = "id_copy_viewed"
    IDENTITY_EVIDENCE_ENCLOSED = "identity_evidence_enclosed"
    POLICY_OVERRIDE = "policy_override"
    POLICY_OVERRIDE_REQUESTED = "policy_override_requested"
    POLICY_OVERRIDE_WAITING = "policy_override_waiting"
    POLICY_OVERRIDE_CONFIRMED = "policy_override_confirmed"
    POLICY_OVERRIDE_CANCELLED = "policy_override_cancelled"
    POLICY_OVERRIDE_EFFECTIVE = "policy_override_effective"

    # Inbound mail and its triage
    MAIL_REPLY = "mail_reply"
    MAIL_REMINDER = "mail_reminder"
    MAIL_ATTACHED = "mail_attached"
    TYPES_CONFIRMED = "types_confirmed"
    TYPES_CORRECTED = "types_corrected"
    INBOUND_REDUCED = "inbound_reduced"

    # Four-eyes approval of a plan
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_CONFIRMED = "approval_confirmed"
    APPROVAL_SUPERSEDED = "approval_superseded"
    APPROVAL_WITHDRAWN = "approval_withdrawn"

    # The answer: redaction, sealing, delivery
    REDACTED = "redacted"
    REDACTION_REMOVED = "redaction_removed"
    REDACTION_SUGGESTION_ACCEPTED = "redaction_suggestion_accepted"
    REDACTION_SUGGESTION_DISMISSED = "redaction_suggestion_dismissed"
    MESSAGE_EDITED = "message_edited"
    ANSWER_SEALED = "answer_sealed"
    EMAIL_DELIVERY_REQUESTED = "email_delivery_requested"
    ANSWER_DELIVERED = "answer_delivered"
    ANSWER_DOWNLOADED = "answer_downloaded"
    PORTAL_EXPIRED = "portal_expired"
    SEALED_ANSWER_REDUCED = "sealed_answer_reduced"
    LETTER_STORED = "letter_stored"
    LETTER_PRINTED = "letter_printed"
    PORTABILITY_TRANSMITTED = "portability_transmitted"

    # Changes to the subject's data and the recipients told of them
    CORRECTIONS_RECORDED = "corrections_recorded"
    CORRECTION_ROWS_RECORDED = "correction_rows_recorded"
    RECIPIENT_CONFIRMED = "recipient_confirmed"
    RECIPIENT_CONFIRMATION_UNDONE = "recipient_confirmation_undone"
    RECIPIENT_REMINDED = "recipient_reminded"
    RECIPIENT_STATUS = "recipient_status"
    RESTRICTION_GROUND_SET = "restriction_ground_set"
    RESTRICTION_LIFT_PLANNED = "restriction_lift_planned"
    RESTRICTION_LIFT_NOTICE_SENT = "restriction_lift_notice_sent"
    RESTRICTION_LIFTED = "restriction_lifted"
    LEGAL_HOLD_ADDED = "legal_hold_added"
    LEGAL_HOLD_LIFTED = "legal_hold_lifted"
    SUPPRESSED_ON_INTAKE = "suppressed_on_intake"
    ADVERTISING_STOPPED_ON_INTAKE = "advertising_stopped_on_intake"
    OVERDUE_ERASED = "overdue_erased"
    JOURNAL_REPLAYED = "journal_replayed"

    # Contesting an automated decision
    CONTEST_REVIEWED = "contest_reviewed"
    CONTEST_OUTCOME_SENT = "contest_outcome_sent"

    # Staff accounts and sign-in (no request)
    USER_CREATED = "user_created"
    USER_ROLE_CHANGED = "user_role_changed"
    COORDINATOR_CONFIRMED = "coordinator_confirmed"
    COORDINATOR_DECLINED = "coordinator_declined"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    PASSWORD_RESET_ISSUED = "password_reset_issued"
    PASSWORD_RESET_USED = "password_reset_used"
    PASSWORD_CHANGED = "password_changed"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled"
    SECOND_FACTOR_REMOVED = "second_factor_removed"
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"

    # The register and the connected systems (no request)
    REGISTER_SEEDED = "register_seeded"
    REGISTER_CHANGED = "register_changed"
    CONNECTOR_DRY_RUN = "connector_dry_run"
    DATAMAP_COVERAGE = "datamap_coverage"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8: the same bytes for the same event on every machine."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()


def _body(seq: int, request_id: int | None, actor: str, action: str, from_state: str | None,
          to_state: str | None, details: dict[str, Any], created_at: datetime) -> dict[str, Any]:
    return {"seq": seq, "request_id": request_id, "actor": actor, "action": action,
            "from": from_state, "to": to_state, "details": details,
            "at": created_at.isoformat(timespec="microseconds")}


def ensure_head(session: Session) -> None:
    """Create the head row if the chain is empty (idempotent)."""
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, seq=0, hash=GENESIS))
        session.flush()


def _next_seq(session: Session) -> tuple[int, str]:
    """Bump the head's sequence number (which locks the head row) and return the new number
    with the hash of the event before: one statement where the database returns updated rows
    (PostgreSQL, SQLite), an update and a read where it does not (MariaDB)."""
    bump = update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
    if session.connection().dialect.update_returning:
        row = session.execute(bump.returning(AuditHead.seq, AuditHead.hash)).first()
        if row is None:  # an empty chain: create the head, then bump it
            ensure_head(session)
            row = session.execute(bump.returning(AuditHead.seq, AuditHead.hash)).one()
        return row[0], row[1]
    ensure_head(session)
    session.execute(bump)
    seq, prev = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
        .execution_options(populate_existing=True)
    ).one()
    return seq, prev


#: ``session.info`` key: the head this session's innermost transaction wrote last.
_HEAD = "dsr_audit_head"


def _innermost(session: Session) -> object | None:
    return session.get_nested_transaction() or session.get_transaction()


def append_event(session: Session, *, actor: str, action: AuditAction,
                 request_id: int | None = None, from_state: str | None = None, to_state: str | None = None,
                 details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (flushes, never commits).

    The first event of a transaction bumps the head (which locks it) and reads the hash before;
    a further event in the same transaction (not in a savepoint begun or ended since) knows
    the head it wrote itself, which no other transaction can have changed while the lock is
    held, and sets seq and hash in one statement."""
    level = _innermost(session)
    known = session.info.get(_HEAD)
    if known is not None and level is not None and known[0] is level:
        seq, prev = known[1] + 1, known[2]
        set_seq: int | None = seq
    else:
        seq, prev = _next_seq(session)
        set_seq = None
    created_at = clock_of(session).now()
    details = details or {}
    digest = event_hash(prev, _body(seq, request_id, actor, action, from_state, to_state,
                                    details, created_at))
    event = AuditEvent(seq=seq, request_id=request_id, actor=actor, action=action,
                       from_state=from_state, to_state=to_state, details=details,
                       created_at=created_at, prev_hash=prev, hash=digest)
    session.add(event)
    values: dict[str, Any] = {"hash": digest} if set_seq is None else {"seq": set_seq, "hash": digest}
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(**values))
    session.flush()
    session.info[_HEAD] = (_innermost(session), seq, digest)
    return event


def head(session: Session) -> tuple[int, str]:
    """The newest sequence number and hash (0 and the genesis hash for an empty chain)."""
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    head_hash: str
    problems: list[str]


def verify_chain(session: Session, published_head: str | None = None) -> VerifyResult:
    """Recompute every hash; report edits, deletions, reorderings and a truncated tail.

    A head hash published earlier must still be in the chain: if the tail was cut off
    below it, the published hash is no longer found.
    """
    problems: list[str] = []
    prev, expected_seq, count, seen_published = GENESIS, 1, 0, published_head in (None, GENESIS)
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    for event in rows:
        count += 1
        if event.seq != expected_seq:
            problems.append(f"event seq {event.seq}: expected seq {expected_seq} (missing events)")
        if event.prev_hash != prev:
            problems.append(f"event seq {event.seq}: previous hash does not match the chain")
        body = _body(event.seq, event.request_id, event.actor, event.action, event.from_state,
                     event.to_state, event.details, event.created_at)
        if event_hash(event.prev_hash, body) != event.hash:
            problems.append(f"event seq {event.seq}: contents do not match its hash (edited)")
        if event.hash == published_head:
            seen_published = True
        prev, expected_seq = event.hash, event.seq + 1
    head_seq, head_hash = head(session)
    if (head_seq, head_hash) != (expected_seq - 1, prev):
        problems.append(f"head row says seq {head_seq}, the chain ends at seq {expected_seq - 1}")
    if not seen_published:
        problems.append("the published head hash is not in the chain (events were removed)")
    return VerifyResult(ok=not problems, events=count, head_hash=prev, problems=problems)


class AuditEvent(Base):
    """Who did what to which request, when and why; no personal data inside."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row: the newest sequence number and hash, locked while appending."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
