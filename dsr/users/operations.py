"""Users and API tokens: argon2 password hashes, tokens stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import append_event
from dsr.clock import clock_of
from dsr.security.passwords import PasswordRejected, check_password
from dsr.users.models import ApiToken, Role, User

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY = _hasher.hash("not-a-password")


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def create_user(session: Session, username: str, password: str, role: str,
                email: str = "") -> User:
    """Create a user with an argon2 hash; flushes."""
    username = username.strip()
    if not username or len(username) > 80:
        raise UserError("username: 1 to 80 characters")
    if role not in Role.__members__.values():
        raise UserError(f"role: one of {', '.join(r.value for r in Role)}")
    try:
        check_password(password, user_inputs=(username, email))
    except PasswordRejected as exc:
        raise UserError(str(exc)) from None
    if session.scalar(select(User.id).where(User.username == username)):
        raise UserError(f"username: {username!r} exists already")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, email=email)
    session.add(user)
    session.flush()
    return user


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
    return user if user is not None and user.active else None


def revoke_token(session: Session, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = clock_of(session).now()


def record_sign_in(session: Session, user: User) -> None:
    """Audit a successful sign-in (the user's id, nothing typed); flushes."""
    append_event(session, actor=f"user:{user.id}", action="signed_in")


def record_failed_sign_in(session: Session, user_id: int | None, *, throttled: bool,
                          known_device: bool) -> None:
    """Audit a failed sign-in: the account's id when the name exists, never the typed name."""
    append_event(session, actor="anonymous", action="sign_in_failed",
                 details={"user_id": user_id, "throttled": throttled,
                          "known_device": known_device})
