"""Changing a staff member's password: the policy applies and every open session ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.security.passwords import check_password
from dsr.security.sessions import revoke_all
from dsr.users.models import User


def change_password(session: Session, user: User, new_password: str, now: datetime,
                    actor: str) -> int:
    """Set a new password (policy checked, argon2 hash) and revoke every session of the user,
    so a stolen cookie dies with the old password. Returns how many sessions ended. Flushes."""
    from dsr.users.operations import hash_password

    check_password(new_password, user_inputs=(user.username, user.email))
    user.password_hash = hash_password(new_password)
    ended = revoke_all(session, user.id, now, "password")
    append_event(session, actor=actor, action=AuditAction.PASSWORD_CHANGED,
                 details={"user_id": user.id, "sessions_ended": ended})
    session.flush()
    return ended
