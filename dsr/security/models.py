"""Tables of the security package: staff sessions held on the server, sign-in throttles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dsr.db import Base


class StaffSession(Base):
    """One signed-in browser of a staff member. The cookie carries a random token; only its
    SHA-256 is stored, so a database dump does not hand out sessions. A revoked or expired row
    refuses the cookie even if it was copied."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_why: Mapped[str] = mapped_column(String(20), default="")


class LoginThrottle(Base):
    """Failed sign-ins of one account name (keyed hash, so unknown names are throttled alike
    and no typed name is stored): the count and until when the next try must wait."""

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]


class PolicyOverride(Base):
    """A coordinator's decision to verify a request although the identity policy is not met:
    the reason is kept; for a request that erases or discloses, a second, different coordinator
    must confirm before the request moves on (``confirmed_by`` empty: pending)."""

    __tablename__ = "policy_overrides"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    method: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime]
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[datetime | None]


class OverrideState(Base):
    """What became of a policy override besides its confirmation: in a shop with a single
    active coordinator it takes effect at ``effective_at`` (after the waiting period and a
    notice to the address on file); ``cancelled_at`` stops it (the subject objected, or the
    coordinator thought better of it). The override's id is kept without a foreign key: its
    table comes from another migration branch."""

    __tablename__ = "override_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    override_id: Mapped[int] = mapped_column(unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    effective_at: Mapped[datetime | None] = mapped_column(index=True)
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(80))


class CodeAttempts(Base):
    """Wrong tries at one verification code from one source (a keyed hash of the address the
    tries came from): a stranger who knows a request's reference locks only their own tries,
    never the code the subject received."""

    __tablename__ = "code_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("verification_codes.id", ondelete="CASCADE"),
                                         index=True)
    source_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)


class SpentChallenge(Base):
    """A proof-of-work challenge that was taken (its SHA-256), until it would have expired
    anyway: each challenge buys one form post, in every web process of the service."""

    __tablename__ = "spent_challenges"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
