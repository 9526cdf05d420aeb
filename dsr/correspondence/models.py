"""The service's outgoing correspondence: each message handed to the mail backend (the address
only as a keyed hash), and the messages as coordinators edited them before they were sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.db import Base


class OutgoingMail(Base):
    """One message handed to the mail backend; the address is kept only as a keyed hash."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                                   index=True)
    template: Mapped[str] = mapped_column(String(60))
    recipient_hash: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=stamp, index=True)


class MessageDraft(Base):
    """An outgoing message as the coordinator edited it before it was sent."""

    __tablename__ = "message_drafts"
    __table_args__ = (UniqueConstraint("request_id", "template",
                                       name="uq_message_drafts_request_template"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    template: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime] = mapped_column(default=stamp)
    sent_at: Mapped[datetime | None]
