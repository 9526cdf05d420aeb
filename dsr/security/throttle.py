"""Per-account sign-in throttling with back-off that cannot lock the real user out for good.

Failed sign-ins are counted per account name (a keyed hash: unknown names are counted alike,
so the answer does not reveal which names exist, and no typed name is stored). From the
``threshold``-th failure on, the next try must wait ``base`` doubled per further failure, at
most ``maximum``, whichever address it comes from. That defeats guessing spread over many
addresses; it would also let anyone keep an account shut, so a browser that has signed in to
the account before carries a *device cookie* (OWASP's "device cookies" scheme) and is not held
by the lock (only by the per-address rate limit). A success clears the count; failures older
than ``forget_after`` are forgotten.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.security.models import LoginThrottle

DEVICE_COOKIE = "dsr_device"


@dataclass(frozen=True)
class Policy:
    threshold: int = 5
    base: timedelta = timedelta(seconds=30)
    maximum: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)


def account_key(secret: str, username: str) -> str:
    """The keyed hash under which an account name's failures are counted."""
    name = username.strip().casefold()
    return hmac.new(secret.encode(), f"login:{name}".encode(), hashlib.sha256).hexdigest()


def _row(session: Session, key: str) -> LoginThrottle | None:
    return session.scalars(select(LoginThrottle).where(LoginThrottle.account_key == key)).first()


def wait_seconds(session: Session, key: str, now: datetime) -> int:
    """Seconds until this account may be tried again (0: now)."""
    row = _row(session, key)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return max(1, int((row.locked_until - now).total_seconds() + 0.999))


def record_failure(session: Session, key: str, now: datetime, policy: Policy = Policy()) -> int:
    """Count a failed sign-in; returns the seconds the account now waits. Flushes."""
    row = _row(session, key)
    if row is None:
        row = LoginThrottle(account_key=key, failures=0)
        session.add(row)
    elif row.last_failure_at is not None and now - row.last_failure_at > policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= policy.threshold:
        steps = min(row.failures - policy.threshold, 20)
        row.locked_until = now + min(policy.maximum, policy.base * (2 ** steps))
    session.flush()
    return wait_seconds(session, key, now)


def record_success(session: Session, key: str) -> None:
    """A correct sign-in clears the account's count. Flushes."""
    row = _row(session, key)
    if row is not None:
        session.delete(row)
        session.flush()


def device_cookie(secret: str, key: str) -> str:
    """The value of the device cookie set after a successful sign-in to account ``key``."""
    return URLSafeSerializer(secret, salt="dsr-device").dumps({"a": key})


def known_device(secret: str, key: str, cookie: str | None) -> bool:
    """True if ``cookie`` is a device cookie of account ``key`` (signed by this service)."""
    if not cookie:
        return False
    try:
        data = URLSafeSerializer(secret, salt="dsr-device").loads(cookie)
    except BadSignature:
        return False
    return isinstance(data, dict) and hmac.compare_digest(str(data.get("a", "")), key)
