"""Staff sessions held on the server: a cookie is only as good as its row.

Signing in opens a row and puts a random token in the (signed) Flask session; every request
checks the row: not revoked, used within the idle limit, opened within the absolute limit.
Signing out revokes the row, so a cookie copied before still fails afterwards; a password
change revokes every row of the user.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dsr.security.models import StaffSession

#: last_seen_at is written at most this often (not on every page load).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Limits:
    """How long a session lives: ``idle`` without use, ``absolute`` since sign-in."""

    idle: timedelta
    absolute: timedelta


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int, now: datetime) -> str:
    """A new session for ``user_id``; returns the token for the cookie (stored hashed). Flushes."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_hash(token), user_id=user_id, created_at=now,
                             last_seen_at=now, revoked_why=""))
    session.flush()
    return token


def check_session(session: Session, token: str, user_id: int, now: datetime,
                  limits: Limits) -> bool:
    """True if ``token`` is a live session of ``user_id``; an expired one is revoked here."""
    row = session.scalars(select(StaffSession).where(StaffSession.token_hash == _hash(token))).first()
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return False
    if now - row.last_seen_at > limits.idle:
        row.revoked_at, row.revoked_why = now, "idle"
        return False
    if now - row.created_at > limits.absolute:
        row.revoked_at, row.revoked_why = now, "absolute"
        return False
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return True


def revoke_session(session: Session, token: str, now: datetime, why: str = "signed_out") -> None:
    """End one session (sign-out). Flushes."""
    session.execute(update(StaffSession)
                    .where(StaffSession.token_hash == _hash(token), StaffSession.revoked_at.is_(None))
                    .values(revoked_at=now, revoked_why=why))


def revoke_all(session: Session, user_id: int, now: datetime, why: str) -> int:
    """End every session of a user (password change, deactivation); returns how many."""
    result = session.execute(update(StaffSession)
                             .where(StaffSession.user_id == user_id,
                                    StaffSession.revoked_at.is_(None))
                             .values(revoked_at=now, revoked_why=why))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
