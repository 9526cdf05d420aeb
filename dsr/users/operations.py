"""Users and API tokens, and their administration: argon2 password hashes, tokens and reset
links stored as SHA-256 hashes, roles that give request contents only after a coordinator's
confirmation, deactivation, one-time password reset links. Every change is audited with ids
only (no names, no addresses)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.security.passwords import PasswordRejected, check_password
from dsr.security.sessions import revoke_all
from dsr.users.models import ApiToken, PasswordReset, Role, User

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY = _hasher.hash("not-a-password")

#: Roles an admin's grant does not give at once: an existing coordinator must confirm.
NEEDS_CONFIRMATION = frozenset({Role.COORDINATOR.value})


class UserError(ValueError):
    """A user cannot be created or changed as asked. The message says why (in English, for
    the command line); ``key`` is the catalog entry a page shows."""

    def __init__(self, message: str, key: str = "users_error_invalid") -> None:
        super().__init__(message)
        self.key = key


def actor_of(user_id: int | None) -> str:
    """The audit actor for a user id (None: the command line on the server)."""
    return "cli" if user_id is None else f"user:{user_id}"


def _check_role(role: str) -> None:
    if role not in Role.__members__.values():
        raise UserError(f"role: one of {', '.join(r.value for r in Role)}", "users_error_role")


def create_user(session: Session, username: str, password: str, role: str,
                email: str = "", *, granted_by: int | None = None) -> User:
    """Create a user with an argon2 hash; flushes and audits.

    ``granted_by`` is the admin creating the user on the admin page: a role that needs
    confirmation (coordinator) is then only pending, and the account cannot sign in until an
    existing coordinator confirms it. Without it (the server's command line, the demo) the
    role is held at once.
    """
    username = username.strip()
    if not username or len(username) > 80:
        raise UserError("username: 1 to 80 characters", "users_error_username")
    _check_role(role)
    try:
        check_password(password, user_inputs=(username, email))
    except PasswordRejected as exc:
        raise UserError(str(exc), "users_error_password") from None
    if session.scalar(select(User.id).where(User.username == username)):
        raise UserError(f"username: {username!r} exists already", "users_error_exists")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, email=email)
    pending = granted_by is not None and role in NEEDS_CONFIRMATION
    if pending:
        user.role = None
        _mark_pending(session, user, role, granted_by)
    session.add(user)
    session.flush()
    append_event(session, actor=actor_of(granted_by), action=AuditAction.USER_CREATED,
                 details={"user_id": user.id, "role": user.role,
                          "pending_role": user.pending_role})
    return user


def _mark_pending(session: Session, user: User, role: str, granted_by: int | None) -> None:
    user.pending_role = role
    user.pending_role_by = granted_by
    user.pending_role_at = clock_of(session).now()


def _clear_pending(user: User) -> None:
    user.pending_role = user.pending_role_by = user.pending_role_at = None


def change_role(session: Session, user: User, role: str, *, by: int) -> None:
    """An admin gives ``user`` another role. A coordinator grant waits for an existing
    coordinator's confirmation (the user keeps the old role until then); any other role is
    held at once and drops a pending grant. Nobody changes their own role. Flushes, audits."""
    _check_role(role)
    if user.id == by:
        raise UserError("role: you cannot change your own role", "users_error_self")
    before = user.role
    if role in NEEDS_CONFIRMATION and user.role != role:
        _mark_pending(session, user, role, by)
    else:
        user.role = role
        _clear_pending(user)
    session.flush()
    append_event(session, actor=actor_of(by), action=AuditAction.USER_ROLE_CHANGED,
                 details={"user_id": user.id, "from": before, "to": user.role,
                          "pending_role": user.pending_role})


def pending_confirmations(session: Session) -> list[User]:
    """Users with a role grant waiting for a coordinator's confirmation, oldest first."""
    return list(session.scalars(select(User).where(User.pending_role.is_not(None))
                                .order_by(User.pending_role_at, User.id)))


def confirm_role(session: Session, user: User, confirmer: User) -> None:
    """An existing, active coordinator confirms ``user``'s pending grant; only then does the
    user hold the role. Nobody confirms their own grant. Flushes, audits."""
    if user.pending_role is None:
        raise UserError("nothing waits for confirmation", "users_error_nothing_pending")
    if confirmer.role != Role.COORDINATOR or not confirmer.active:
        raise UserError("only an active coordinator confirms", "users_error_confirmer")
    if confirmer.id in (user.id, user.pending_role_by):
        raise UserError("nobody confirms their own grant", "users_error_self")
    granted_by, user.role = user.pending_role_by, user.pending_role
    _clear_pending(user)
    session.flush()
    append_event(session, actor=actor_of(confirmer.id), action=AuditAction.COORDINATOR_CONFIRMED,
                 details={"user_id": user.id, "role": user.role, "granted_by": granted_by})


def decline_role(session: Session, user: User, decliner: User) -> None:
    """An active coordinator refuses ``user``'s pending grant: the user keeps the role held
    before (an account that held none still cannot sign in). Flushes, audits."""
    if user.pending_role is None:
        raise UserError("nothing waits for confirmation", "users_error_nothing_pending")
    if decliner.role != Role.COORDINATOR or not decliner.active or decliner.id == user.id:
        raise UserError("only another active coordinator declines", "users_error_confirmer")
    declined, granted_by = user.pending_role, user.pending_role_by
    _clear_pending(user)
    session.flush()
    append_event(session, actor=actor_of(decliner.id), action=AuditAction.COORDINATOR_DECLINED,
                 details={"user_id": user.id, "role": declined, "granted_by": granted_by})


def deactivate(session: Session, user: User, *, by: int) -> int:
    """Deactivate ``user``: no sign-in, no API token, and every open session ends at once.
    Returns how many sessions ended. Flushes, audits."""
    if user.id == by:
        raise UserError("you cannot deactivate yourself", "users_error_self")
    if not user.active:
        raise UserError("the user is deactivated already", "users_error_inactive")
    now = clock_of(session).now()
    user.active, user.deactivated_at = False, now
    ended = revoke_all(session, user.id, now, "deactivated")
    session.flush()
    append_event(session, actor=actor_of(by), action=AuditAction.USER_DEACTIVATED,
                 details={"user_id": user.id, "sessions_ended": ended})
    return ended


def reactivate(session: Session, user: User, *, by: int) -> None:
    """Let a deactivated user sign in again (with the role held; a pending grant still
    waits). Flushes, audits."""
    if user.active:
        raise UserError("the user is active", "users_error_active")
    user.active, user.deactivated_at = True, None
    session.flush()
    append_event(session, actor=actor_of(by), action=AuditAction.USER_REACTIVATED,
                 details={"user_id": user.id})


def hash_password(password: str) -> str:
    """The argon2 hash stored for ``password``."""
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None (constant-ish time)."""
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset(session: Session, user: User, *, by: int, hours: int) -> str:
    """A one-time link token for ``user`` to set a new password; earlier unused links end.
    Only the token's hash is stored; the token is shown once. Flushes, audits."""
    if not user.active:
        raise UserError("the user is deactivated", "users_error_inactive")
    now = clock_of(session).now()
    session.execute(update(PasswordReset)
                    .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
                           PasswordReset.expires_at > now)
                    .values(expires_at=now))
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(user_id=user.id, token_hash=_token_hash(token), issued_by=by,
                          issued_at=now, expires_at=now + timedelta(hours=hours))
    session.add(reset)
    session.flush()
    append_event(session, actor=actor_of(by), action=AuditAction.PASSWORD_RESET_ISSUED,
                 details={"user_id": user.id, "reset_id": reset.id,
                          "expires_at": reset.expires_at.isoformat()})
    return token


def reset_for(session: Session, token: str) -> PasswordReset | None:
    """The reset of this link if it can still be used (not used, not expired, its user
    active), else None."""
    now = clock_of(session).now()
    reset = session.scalars(select(PasswordReset)
                            .where(PasswordReset.token_hash == _token_hash(token))).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        return None
    user = session.get(User, reset.user_id)
    return reset if user is not None and user.active else None


def use_reset(session: Session, token: str, new_password: str) -> User:
    """Set a new password through a reset link, which is spent. The password policy applies
    and every session of the user ends. A coordinator's role waits for another coordinator's
    confirmation afterwards, since the admin who issued the link could have used it.
    Raises :class:`UserError` for a spent, expired or unknown link. Flushes, audits."""
    reset = reset_for(session, token)
    if reset is None:
        raise UserError("the link is used, expired or unknown", "users_error_reset_link")
    user = session.get(User, reset.user_id)
    assert user is not None
    now = clock_of(session).now()
    try:
        check_password(new_password, user_inputs=(user.username, user.email))
    except PasswordRejected as exc:
        raise UserError(str(exc), "users_error_password") from None
    user.password_hash = hash_password(new_password)
    ended = revoke_all(session, user.id, now, "password")
    reset.used_at = now
    reconfirm = user.role in NEEDS_CONFIRMATION
    if reconfirm:
        _mark_pending(session, user, str(user.role), reset.issued_by)
        user.role = None
    session.flush()
    append_event(session, actor=actor_of(user.id), action=AuditAction.PASSWORD_RESET_USED,
                 details={"user_id": user.id, "reset_id": reset.id, "sessions_ended": ended,
                          "role_needs_confirmation": reconfirm})
    return user


def user_for_claims(session: Session, claims: Mapping[str, Any], *, claim: str,
                    match: str) -> User | None:
    """The existing active user an OpenID Connect ID token names, else None. ``claim`` is
    compared with the user's ``match`` field (``email``: case-insensitive, and only when the
    provider says the address is verified; ``username``: exactly). Never creates a user; one
    whose role still waits for confirmation (``role`` None) is returned, to be refused."""
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        return None
    if match == "email":
        if claim == "email" and claims.get("email_verified") is not True:
            return None
        found = list(session.scalars(select(User).where(
            func.lower(User.email) == value.strip().lower())).all())
    else:
        found = list(session.scalars(select(User).where(User.username == value)).all())
    # Two accounts with one address: refuse rather than guess.
    if len(found) != 1 or not found[0].active:
        return None
    return found[0]


def create_token(session: Session, user: User, label: str = "") -> str:
    """A new API token for ``user``; only its hash is stored, the token is shown once."""
    token = "dsr_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), label=label))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                                                 ApiToken.revoked_at.is_(None))).first()
    user = session.get(User, row.user_id) if row else None
    return user if user is not None and user.active and user.role is not None else None


def revoke_token(session: Session, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = clock_of(session).now()


def record_sign_in(session: Session, user: User, method: str = "password") -> None:
    """Audit a successful sign-in (the user's id, nothing typed); flushes."""
    append_event(session, actor=f"user:{user.id}", action=AuditAction.SIGNED_IN,
                 details={"method": method} if method != "password" else None)


def record_failed_sign_in(session: Session, user_id: int | None, *, throttled: bool,
                          known_device: bool) -> None:
    """Audit a failed sign-in: the account's id when the name exists, never the typed name."""
    append_event(session, actor="anonymous", action=AuditAction.SIGN_IN_FAILED,
                 details={"user_id": user_id, "throttled": throttled,
                          "known_device": known_device})
