"""Incoming mail and letters: each message once, what it was taken for, and the triage list.

An :class:`InboundMessage` is written in the same transaction as the request it creates (or
the request it is attached to), so a message counts as handled exactly when its request is
committed; its ``dedupe_key`` makes a second fetch of the same message a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.db import Base

INBOUND_ACTIONS = ("request", "reply", "reminder", "triage")


class InboundMessage(Base):
    """One received message (mail, fax-to-mail) and the verdict on it."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        CheckConstraint("action IN ('request', 'reply', 'reminder', 'triage')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``mid:`` + SHA-256 of the Message-ID, or ``raw:`` + SHA-256 of the bytes without one.
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(10))
    #: The mailbox's arrival time (INTERNALDATE, Maildir delivery, Received/Date), never the fetch.
    received_at: Mapped[datetime]
    received_basis: Mapped[str] = mapped_column(String(30))
    message_id: Mapped[str] = mapped_column(String(300), default="")
    from_address: Mapped[str] = mapped_column(String(254), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(40), default="")
    types: Mapped[list[Any]]
    language: Mapped[str] = mapped_column(String(2), default="de")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    words: Mapped[list[Any]]
    channel_authenticated: Mapped[bool | None]
    #: The receiving server's verdicts: {"spf": "pass", "dkim": "fail", ...}.
    auth: Mapped[dict[str, Any]]
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    #: The encrypted evidence copy of the raw message (ID copies left out, see attachments).
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    #: Per attachment: filename, content type, size, sha256, kind, document id.
    attachments: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=stamp, index=True)


class TriageEntry(Base):
    """Something a coordinator has to look at: unclear mail, spam, bounces, enclosed evidence,
    a type to confirm. Nothing that arrives is dropped; an entry is closed with an outcome."""

    __tablename__ = "triage_entries"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(String(30))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class ClassificationCorrection(Base):
    """A coordinator changed the recognised types or language; counted to judge the rules."""

    __tablename__ = "classification_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"))
    predicted_types: Mapped[list[Any]]
    corrected_types: Mapped[list[Any]]
    predicted_language: Mapped[str] = mapped_column(String(2))
    corrected_language: Mapped[str] = mapped_column(String(2))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
