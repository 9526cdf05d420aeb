"""Identity verification: one-time codes (stored only as keyed hashes) and the history of
every step taken to establish who asks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.db import Base


class VerificationCode(Base):
    """A one-time code sent to the address on file: bound to one request, expiring, single use,
    with limited attempts. Neither the code nor the address is stored, only keyed hashes."""

    __tablename__ = "verification_codes"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    recipient_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=stamp)


class VerificationStep(Base):
    """One step of a request's verification history (code sent, code refused, ID copy checked,
    power of attorney checked...). ``details`` holds codes and counts, never personal data."""

    __tablename__ = "verification_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=stamp)
