"""A data-subject request, the claims it makes, and the decisions that answer it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dsr.clock import stamp
from dsr.db import Base
from workflows.states import status_check


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


class Outcome(StrEnum):
    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"


class Request(Base):
    """One request of one data subject; its status moves only through ``workflows.transition``."""

    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint(status_check(), name="status"),
        CheckConstraint("status != 'completed' OR released_at IS NOT NULL", name="completed_released"),
        CheckConstraint("status != 'merged' OR merged_into_id IS NOT NULL", name="merged_target"),
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
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    updated_at: Mapped[datetime] = mapped_column(default=stamp, onupdate=stamp)

    claims: Mapped[list[IdentityClaim]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="IdentityClaim.id")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Decision.id")

    @property
    def deadline(self) -> date:
        return self.extended_due_on or self.due_on

    def claim(self, kind: str) -> str | None:
        """The value the request claims for ``kind`` (name, email, customer_number, ...)."""
        return next((c.value for c in self.claims if c.kind == kind), None)


class IdentityClaim(Base):
    """What the requester says about themselves: name, e-mail, customer number, address."""

    __tablename__ = "identity_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(Text)
    request: Mapped[Request] = relationship(back_populates="claims")


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
