"""The answer's records: register versions, redactions, deliveries (portal links), their
download log, sealed copies of every answer, and edited outgoing messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.db import Base

REDACTION_REASONS = ("third_party", "trade_secret", "security")
DELIVERY_METHODS = ("portal", "email", "letter")  # never fax


class RegisterVersion(Base):
    """One version of the processing register (Art. 30), as the coordinator saved it."""

    __tablename__ = "register_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    toml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class Redaction(Base):
    """Text blacked out in one field of one record of a copy; the text itself only encrypted."""

    __tablename__ = "redactions"
    __table_args__ = (
        CheckConstraint("reason IN (" + ", ".join(f"'{r}'" for r in REDACTION_REASONS) + ")",
                        name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    system: Mapped[str] = mapped_column(String(60))
    table_name: Mapped[str] = mapped_column(String(100))
    row_key: Mapped[str] = mapped_column(String(200))
    column: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(30))
    term_encrypted: Mapped[str] = mapped_column(Text)
    occurrences: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class Delivery(Base):
    """How one answer goes out: a portal link (hashed token, one-time code, expiry, download
    limit), a plain e-mail (only on the subject's express request, recorded), or a letter."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint("method IN (" + ", ".join(f"'{m}'" for m in DELIVERY_METHODS) + ")",
                        name="method"),
        CheckConstraint("method != 'email' OR email_requested_at IS NOT NULL",
                        name="email_on_request"),
        CheckConstraint("downloads <= max_downloads", name="download_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    method: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_sent_at: Mapped[datetime | None]
    code_attempts: Mapped[int] = mapped_column(default=0)
    codes_sent: Mapped[int] = mapped_column(default=0)
    recipient_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    max_downloads: Mapped[int] = mapped_column(default=0)
    downloads: Mapped[int] = mapped_column(default=0)
    files_deleted_at: Mapped[datetime | None]
    email_requested_at: Mapped[datetime | None]
    email_request_note: Mapped[str | None] = mapped_column(Text)


class DownloadEvent(Base):
    """Every attempt to fetch a file from the portal, granted or refused (no personal data)."""

    __tablename__ = "download_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"),
                                             index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    outcome: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class SealedAnswer(Base):
    """The encrypted copy of an answer as sent, kept for the accountability period; its hash
    stays (here and in the audit chain) after the copy itself is deleted."""

    __tablename__ = "sealed_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sealed_at: Mapped[datetime] = mapped_column(default=stamp)
    keep_until: Mapped[datetime]
    reduced_at: Mapped[datetime | None]


SUGGESTION_DECISIONS = ("accepted", "dismissed")


class SuggestionDecision(Base):
    """What the coordinator decided about one suggested piece of a third party's data in one
    field: accepted (the redaction it became) or dismissed. The suggested text is identified
    by a keyed hash only; it is never stored here."""

    __tablename__ = "redaction_suggestion_decisions"
    __table_args__ = (
        CheckConstraint("decision IN (" + ", ".join(f"'{d}'" for d in SUGGESTION_DECISIONS)
                        + ")", name="decision"),
        UniqueConstraint("request_id", "suggestion", name="uq_suggestion_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    suggestion: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    system: Mapped[str] = mapped_column(String(60))
    table_name: Mapped[str] = mapped_column(String(100))
    row_key: Mapped[str] = mapped_column(String(200))
    column: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(10))
    #: The redaction it became; no foreign key (its table is on another migration branch).
    redaction_id: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=stamp)
