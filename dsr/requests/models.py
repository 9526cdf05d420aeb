"""A data-subject request, the claims it makes, the corrections and representation it asks
for, and the decisions that answer it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dsr.clock import stamp
from dsr.db import Base
from workflows.states import OPEN_STATES, State


class RequestType(StrEnum):
    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    ERASURE = "erasure"
    OBJECTION = "objection"
    CONSENT_WITHDRAWAL = "consent_withdrawal"
    CONTEST_DECISION = "contest_decision"


class Channel(StrEnum):
    FORM = "form"
    API = "api"
    EMAIL = "email"
    LETTER = "letter"
    FAX = "fax"
    PHONE = "phone"


class CorrectionSource(StrEnum):
    """Who gave a rectification's values: the requester (form fields, with a note), or the
    coordinator who checked them (``table.column`` names; only these are planned)."""

    REQUESTED = "requested"
    RECORDED = "recorded"


class Outcome(StrEnum):
    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"


#: The workflow's states, in its order; the one list, taken from the engine's enum (it also
#: builds the status check constraint below).
STATUS_VALUES = tuple(state.value for state in State)


class Request(Base):
    """One request of one data subject; its status moves only through ``workflows.transition``."""

    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUS_VALUES) + ")",
                        name="status"),
        CheckConstraint("status != 'completed' OR released_at IS NOT NULL", name="completed_released"),
        CheckConstraint("status != 'merged' OR merged_into_id IS NOT NULL", name="merged_target"),
        CheckConstraint("restriction_ground IS NULL OR restriction_ground IN ('a', 'b', 'c', 'd')",
                        name="restriction_ground"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(30), default="received", index=True)
    types: Mapped[list[Any]]
    channel: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(2), default="de")
    #: Whether the channel proved the sender (a signed-in session, DKIM/SPF/DMARC passing mail
    #: from the address on file); None when the channel says nothing. An input to the identity
    #: policy, never a proof of identity by itself.
    channel_authenticated: Mapped[bool | None]
    received_at: Mapped[datetime]
    due_on: Mapped[date]
    extended_due_on: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    subject_keys: Mapped[dict[str, Any] | None]
    match_table: Mapped[dict[str, Any] | None]
    released_at: Mapped[datetime | None]
    #: The day from which a restriction may be lifted, as the Art. 18(3) notice named it.
    restriction_lift_on: Mapped[date | None]
    #: The consents a withdrawal names (the data map's consent kinds); None: every consent.
    withdrawn_consents: Mapped[list[Any] | None]
    #: The ground of a restriction, Art. 18(1) lit. a-d (requester or coordinator).
    restriction_ground: Mapped[str | None] = mapped_column(String(1))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    #: The user who works on the request (the queue's "mine"); set only by ``assignment``.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                    index=True)
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    updated_at: Mapped[datetime] = mapped_column(default=stamp, onupdate=stamp)

    claims: Mapped[list[IdentityClaim]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="IdentityClaim.id")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Decision.id")
    corrections: Mapped[list[RequestCorrection]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestCorrection.id")
    representation: Mapped[Representation | None] = relationship(
        back_populates="request", cascade="all, delete-orphan")

    @property
    def deadline(self) -> date:
        return self.extended_due_on or self.due_on

    def claim(self, kind: str) -> str | None:
        """The value the request claims for ``kind`` (name, email, customer_number, ...)."""
        return next((c.value for c in self.claims if c.kind == kind), None)

    def correction(self, source: CorrectionSource) -> RequestCorrection | None:
        """The requested or the recorded corrections, if any were given."""
        return next((c for c in self.corrections if c.source == source), None)

    @property
    def acting_as(self) -> str | None:
        """Who the requester says they are for the subject (lawyer, relative, heir, ...)."""
        return self.representation.acting_as if self.representation is not None else None

    @property
    def deliver_to(self) -> str | None:
        """Where the requester asks the answer to go (never followed automatically)."""
        return self.representation.deliver_to if self.representation is not None else None


class IdentityClaim(Base):
    """What the requester says about themselves: name, e-mail, customer number, address."""

    __tablename__ = "identity_claims"
    #: The search by a part of a name, on PostgreSQL with pg_trgm (migration 0035).
    __table_args__ = (Index("ix_identity_claims_name_trigrams", text("lower(value) gin_trgm_ops"),
                            postgresql_using="gin",
                            postgresql_where=text("kind = 'name'")).ddl_if(dialect="postgresql"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(Text)
    request: Mapped[Request] = relationship(back_populates="claims")


# The queue's sort orders, filters and search (migration 0035). The deadline is the extended one
# where there is one, so its index is on the expression the queue compares; claims are matched
# case-blind on their kind and value.
Index("ix_requests_deadline", func.coalesce(Request.extended_due_on, Request.due_on), Request.id)
#: Open requests by deadline (the queue's default page and the overdue filter): without it the
#: scan in deadline order passes every older closed request first.
OPEN_STATUS_VALUES = tuple(sorted(state.value for state in OPEN_STATES))
_open = Request.status.in_(OPEN_STATUS_VALUES)
Index("ix_requests_open_deadline", func.coalesce(Request.extended_due_on, Request.due_on),
      Request.id, postgresql_where=_open, sqlite_where=_open)
Index("ix_requests_received_at_id", Request.received_at, Request.id)
Index("ix_requests_channel", Request.channel)
Index("ix_identity_claims_kind_folded", IdentityClaim.kind, func.lower(IdentityClaim.value))


class RequestCorrection(Base):
    """A rectification's new values, as the requester asked for them or as the coordinator
    recorded them: ``values`` maps a form field (requested) or a ``table.column`` (recorded)
    to its new value; ``note`` is the requester's word on what is wrong."""

    __tablename__ = "request_corrections"
    __table_args__ = (
        CheckConstraint("source IN ('requested', 'recorded')", name="source"),
        UniqueConstraint("request_id", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    source: Mapped[str] = mapped_column(String(10))
    values: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(Text, default="")
    request: Mapped[Request] = relationship(back_populates="corrections")

    @property
    def fields(self) -> dict[str, str]:
        found = self.values
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


class Representation(Base):
    """Someone acting for the subject (``acting_as``) and where they ask the answer to go
    (``deliver_to``); both need the coordinator, neither is a proof of anything."""

    __tablename__ = "representations"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            unique=True)
    acting_as: Mapped[str | None] = mapped_column(String(30))
    deliver_to: Mapped[str | None] = mapped_column(Text)
    request: Mapped[Request] = relationship(back_populates="representation")


class Decision(Base):
    """The answer per right and data category: granted, partly granted or refused, with norm."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("outcome IN ('granted', 'partly_granted', 'refused')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    right: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(60), default="*")
    outcome: Mapped[str] = mapped_column(String(20))
    norm: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=stamp)
    request: Mapped[Request] = relationship(back_populates="decisions")


class SavedView(Base):
    """A queue filter a user saved under a name: the page's arguments (``args``) as the queue
    reads them, checked when saved."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    args: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class RequestNote(Base):
    """A coordinator's internal note on a request: shown on the request page, never part of an
    answer, export or message to the data subject; written only by ``dsr.requests.notes``."""

    __tablename__ = "request_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class ApprovalRequest(Base):
    """A coordinator's confirmation of an irreversible step (``step``: execute, release,
    reject) that waits for a second, different coordinator (four-eyes, ``[workflow]
    four_eyes``). ``digest`` is the summary the first one confirmed; the second must confirm
    the same summary. ``payload`` holds what the step needs (the decisions, or norm and reason
    of a rejection) — no personal data."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        CheckConstraint("step IN ('execute', 'release', 'reject')", name="step"),
        CheckConstraint("confirmed_by IS NULL OR confirmed_by <> requested_by",
                        name="second_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    step: Mapped[str] = mapped_column(String(10))
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime]
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[datetime | None]
    #: Set when the first coordinator withdrew it or the plan changed before a second confirmed.
    closed_at: Mapped[datetime | None]
    closed_why: Mapped[str | None] = mapped_column(String(20))
