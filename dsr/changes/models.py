"""Planned changes and their proof: plans, receipts, the erasure journal, blocked records,
legal holds, the suppression list and the Art. 19 notices to recipients.

A plan is stored before any system is touched; executing it records each finished step, and
the receipt (one per plan, enforced by a unique key) is built from the plan afterwards. None of
these tables holds a personal value except what a plan must carry out (rectified values) —
the journal and the suppression list hold row keys and keyed hashes only, and the journal a
rectification's new value encrypted.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.db import Base


class PlanStatus(StrEnum):
    PLANNED = "planned"
    EXECUTED = "executed"
    SUPERSEDED = "superseded"


class ChangePlan(Base):
    """What one connector will change for one request (or one retention run), step by step."""

    __tablename__ = "change_plans"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'executed', 'superseded')", name="status"),
        CheckConstraint("purpose IN ('request', 'retention', 'replay')", name="purpose"),
        UniqueConstraint("request_id", "connector", "round",
                         name="uq_change_plans_request_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    connector: Mapped[str] = mapped_column(String(60))
    round: Mapped[int] = mapped_column(default=0)
    purpose: Mapped[str] = mapped_column(String(10), default="request")
    status: Mapped[str] = mapped_column(String(12), default=PlanStatus.PLANNED)
    #: The plan itself (connectors.changes.Plan.to_json): targets, row keys, fields, actions.
    body: Mapped[dict[str, Any]]
    #: Per target and action: rows, fields, reason, norm, blocked-until (what review shows).
    summary: Mapped[list[Any]]
    #: Steps finished so far, step index -> rows touched; written after each step's commit.
    steps_done: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    executed_at: Mapped[datetime | None]


class ChangeReceipt(Base):
    """The proof of one executed plan: steps, what stays blocked, and the check afterwards."""

    __tablename__ = "change_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("change_plans.id", ondelete="CASCADE"),
                                         unique=True)
    verified: Mapped[bool] = mapped_column(default=False)
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class ErasureJournalEntry(Base):
    """One erasure carried out (row keys and fields, no data), or one rectified field with
    its new value sealed (encrypted): replayed after a restore."""

    __tablename__ = "erasure_journal"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("change_plans.id", ondelete="CASCADE"),
                                         index=True)
    connector: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120))
    row_key: Mapped[list[Any]]
    fields: Mapped[list[Any]]
    action: Mapped[str] = mapped_column(String(12))
    #: A rectification's new value (``set``): its JSON encrypted with the service's keys
    #: (Fernet), never in clear; NULL for everything else.
    sealed_value: Mapped[str | None] = mapped_column(Text)
    #: Keyed hash of connector and subject key, to find one subject's entries without data.
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class RetainedRecord(Base):
    """Fields kept, blocked, under a retention rule or a legal hold, and what happens after."""

    __tablename__ = "retained_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("change_plans.id", ondelete="CASCADE"),
                                         index=True)
    connector: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120))
    row_key: Mapped[list[Any]]
    #: Field -> the map's erasure action once the block ends (delete, null, anonymise).
    then: Mapped[dict[str, Any]]
    rule: Mapped[str] = mapped_column(String(80))
    norm: Mapped[str] = mapped_column(String(200))
    retained_until: Mapped[date | None] = mapped_column(index=True)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("legal_holds.id"))
    erased_at: Mapped[datetime | None]


class HoldKind(StrEnum):
    OPEN_CLAIM = "open_claim"
    COLLECTION = "collection"
    TAX_AUDIT = "tax_audit"


class LegalHold(Base):
    """A legal hold on one subject of one connector: erasure is suspended until it is lifted."""

    __tablename__ = "legal_holds"
    __table_args__ = (
        CheckConstraint("kind IN ('open_claim', 'collection', 'tax_audit')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(String(60))
    subject_key: Mapped[list[Any]]
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The case's file number (claim, collection, audit), if any: what the hold is about.
    reference: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(120))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class CorrectionRows(Base):
    """The rows and fields the coordinator picked for a rectification (the editor), each
    ``{"column": "table.column", "key": [...], "value": "..."}``: only those change. Without
    it a recorded correction applies to every row of the subject. Replaced on every save;
    lines typed by hand remove it."""

    __tablename__ = "correction_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            unique=True)
    rows: Mapped[list[Any]]


class SuppressionEntry(Base):
    """A keyed hash (HMAC) of a normalised e-mail or postal address that must not be
    contacted again on ``channel``; an import of that address is refused."""

    __tablename__ = "suppression_list"
    __table_args__ = (
        UniqueConstraint("hash", "channel", name="uq_suppression_list_hash_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class RecipientNotice(Base):
    """A notice to one recipient (Art. 19 or a processor's erasure), waiting until confirmed."""

    __tablename__ = "recipient_notices"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'confirmed')", name="status"),
        UniqueConstraint("request_id", "connector", "recipient",
                         name="uq_recipient_notices_request_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    connector: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    message_id: Mapped[str | None] = mapped_column(String(250))
    external_id: Mapped[str | None] = mapped_column(String(250))
    #: The processor's last reported status of an OpenGDPR request (pending, in_progress, ...).
    external_status: Mapped[str | None] = mapped_column(String(20))
    #: When the recipient was reminded of an unconfirmed e-mail notice (once).
    reminded_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
    #: The day the recipient's confirmation arrived and its reference (e.g. their ticket).
    confirmation_received_on: Mapped[date | None]
    confirmation_note: Mapped[str | None] = mapped_column(String(200))
