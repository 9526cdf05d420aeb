"""Users of the queue and their roles (the brief's table: staff, coordinator, admin)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.db import Base


class Role(StrEnum):
    STAFF = "staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class User(Base):
    """A person who signs in to the queue; API tokens carry the same role."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('staff', 'coordinator', 'admin')", name="role"),
                      CheckConstraint("pending_role IN ('coordinator')", name="pending_role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    #: The role the user holds; None while the only role granted still waits for a
    #: coordinator's confirmation (such an account cannot sign in).
    role: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="de")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    deactivated_at: Mapped[datetime | None]
    #: A role an admin granted that needs an existing coordinator's confirmation first
    #: (coordinator: request contents); the user keeps ``role`` until then.
    pending_role: Mapped[str | None] = mapped_column(String(20))
    pending_role_by: Mapped[int | None]
    pending_role_at: Mapped[datetime | None]
    #: The TOTP secret, encrypted with the service's keys; in use once ``totp_enrolled_at``
    #: is set (before: an enrolment not yet confirmed with a code).
    totp_secret: Mapped[str | None] = mapped_column(Text)
    totp_enrolled_at: Mapped[datetime | None]
    #: The last 30-second step whose code was accepted: a code is good only once.
    totp_last_step: Mapped[int | None]

    # Flask-Login's protocol, kept here so the web layer needs no wrapper.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.role is not None

    @property
    def second_factor(self) -> bool:
        """Whether sign-in asks this user for a TOTP code."""
        return self.totp_enrolled_at is not None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token for the REST API, stored as a SHA-256 hash; it carries its user's role."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    revoked_at: Mapped[datetime | None]


class PasswordReset(Base):
    """A one-time link an admin issued to set a new password: only the SHA-256 of its token is
    stored; it expires at ``expires_at`` and is spent by ``used_at``."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[int | None]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
