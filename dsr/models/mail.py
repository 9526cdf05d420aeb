"""A log of outgoing mail: which template went to which (hashed) address, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.models.base import Base


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
