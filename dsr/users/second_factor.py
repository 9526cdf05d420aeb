"""The second factor: TOTP codes (RFC 6238, pyotp) from an authenticator app.

The secret is stored encrypted with the service's keys. An enrolment counts once the user has
typed one code from it; every accepted code is good only once (its 30-second step is kept), and
wrong codes are throttled per account like passwords. Enrolment and removal are audited.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

import pyotp
import segno
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.crypto import Cipher
from dsr.users.models import User
from dsr.users.operations import UserError, actor_of

#: Codes of the step before and after the current one are accepted (clock drift).
DRIFT_STEPS = 1


class Step(StrEnum):
    """What sign-in still needs after the password."""

    NONE = "none"
    CODE = "code"
    ENROL = "enrol"


def step_after_password(user: User, required_roles: Collection[str]) -> Step:
    """A user with a second factor types a code; one whose role requires it but who has none
    enrols first; anyone else is signed in."""
    if user.second_factor:
        return Step.CODE
    if (user.role or "") in required_roles:
        return Step.ENROL
    return Step.NONE


def _secret(cipher: Cipher, user: User) -> str:
    if user.totp_secret is None:
        raise UserError("no second factor", "users_error_no_second_factor")
    return cipher.decrypt(user.totp_secret.encode("ascii")).decode("ascii")


def start_enrolment(session: Session, cipher: Cipher, user: User) -> str:
    """A new secret for ``user`` (replacing an unconfirmed one), stored encrypted; returns it
    for the authenticator app. Flushes."""
    if user.second_factor:
        raise UserError("a second factor is enrolled already", "users_error_enrolled")
    secret = pyotp.random_base32()
    user.totp_secret = cipher.encrypt(secret.encode("ascii")).decode("ascii")
    user.totp_last_step = None
    session.flush()
    return secret


def pending_secret(cipher: Cipher, user: User) -> str | None:
    """The secret of an enrolment not yet confirmed, else None."""
    if user.second_factor or user.totp_secret is None:
        return None
    return _secret(cipher, user)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG data URI (an ``<img>`` source; no script, no file)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5))


def _accept(user: User, secret: str, code: str, now: datetime) -> bool:
    """Check ``code`` against the steps around ``now``; a step used before is refused."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(session: Session, cipher: Cipher, user: User, code: str) -> bool:
    """Finish an enrolment with a code from the app; False for a wrong code. Flushes, audits."""
    if user.second_factor or user.totp_secret is None:
        raise UserError("no enrolment waits", "users_error_no_second_factor")
    now = clock_of(session).now()
    if not _accept(user, _secret(cipher, user), code, now):
        return False
    user.totp_enrolled_at = now
    session.flush()
    append_event(session, actor=actor_of(user.id), action=AuditAction.SECOND_FACTOR_ENROLLED,
                 details={"user_id": user.id, "kind": "totp"})
    return True


def check_code(session: Session, cipher: Cipher, user: User, code: str) -> bool:
    """Whether ``code`` is the user's current code, not used before. Flushes."""
    if not user.second_factor:
        return False
    accepted = _accept(user, _secret(cipher, user), code, clock_of(session).now())
    session.flush()
    return accepted


def remove_second_factor(session: Session, user: User, *, by: int) -> None:
    """Remove the user's second factor (a lost phone; or the user's own choice where it is
    not required). Flushes, audits."""
    if user.totp_secret is None:
        raise UserError("no second factor", "users_error_no_second_factor")
    was_enrolled = user.second_factor
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    session.flush()
    if was_enrolled:
        append_event(session, actor=actor_of(by), action=AuditAction.SECOND_FACTOR_REMOVED,
                     details={"user_id": user.id, "kind": "totp"})


def throttle_key(secret: str, user_id: int) -> str:
    """The keyed hash under which wrong codes of one account are counted (dsr.security.throttle)."""
    return hmac.new(secret.encode(), f"totp:{user_id}".encode(), hashlib.sha256).hexdigest()
