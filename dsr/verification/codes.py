"""One-time codes to the address on file, and signed tokens from the shop.

A code is bound to one request (its keyed hash covers the request id), expires, works once,
and dies after a few wrong tries; neither the code nor the address is stored. A shop token
proves that a signed-in customer asked: ``v1.<payload>.<signature>``, the payload being
base64url JSON ``{"cn": customer number, "iat": unix time}``, the signature HMAC-SHA256 under
the secret shared with the shop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dsr.clock import clock_of
from dsr.crypto import keyed_hash
from dsr.requests.models import Request
from dsr.security import code_sources
from dsr.verification.models import VerificationCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8


class CodeOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"
    NONE = "none"


class TokenError(ValueError):
    """The shop token is missing, malformed, wrongly signed, too old or from the future."""


def normalise_code(code: str) -> str:
    """What the customer typed, without spaces, dashes and case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(secret: str, request_id: int, code: str) -> str:
    return keyed_hash(secret, "verification-code", f"{request_id}:{normalise_code(code)}")


def issued_count(session: Session, request_id: int) -> int:
    return int(session.scalar(select(func.count(VerificationCode.id)).where(
        VerificationCode.request_id == request_id)) or 0)


def issue_code(session: Session, request: Request, *, secret: str, recipient_hash: str,
               settings: dict[str, Any], now: datetime | None = None) -> str | None:
    """A new code for ``request`` (earlier ones are revoked); None once the request has had
    ``codes_per_request`` codes within a day. Only its keyed hash is stored; flushes."""
    now = now or clock_of(session).now()
    recent = int(session.scalar(select(func.count(VerificationCode.id)).where(
        VerificationCode.request_id == request.id,
        VerificationCode.created_at > now - code_sources.ISSUE_WINDOW)) or 0)
    if recent >= settings["codes_per_request"]:  # per day: nobody can use them up for good
        return None
    session.execute(update(VerificationCode).where(
        VerificationCode.request_id == request.id, VerificationCode.used_at.is_(None),
        VerificationCode.revoked_at.is_(None)).values(revoked_at=now))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(VerificationCode(
        request_id=request.id, code_hash=_code_hash(secret, request.id, code),
        recipient_hash=recipient_hash, expires_at=now + timedelta(minutes=settings["code_minutes"]),
        max_attempts=settings["code_attempts"]))
    session.flush()
    return code


def check_code(session: Session, request: Request, code: str, *, secret: str,
               now: datetime | None = None, source: str = "") -> CodeOutcome:
    """Try ``code`` against the request's newest code; flushes what the try changed.

    Wrong tries count even after the code expired or was used, so guessing never gets
    cheaper; using a code is one conditional update, so two tries at once cannot both pass.
    """
    now = now or clock_of(session).now()
    current = session.scalars(select(VerificationCode).where(
        VerificationCode.request_id == request.id, VerificationCode.revoked_at.is_(None))
        .order_by(VerificationCode.id.desc()).limit(1)).first()
    if current is None:
        return CodeOutcome.NONE
    right = hmac.compare_digest(current.code_hash, _code_hash(secret, request.id, code))
    if current.used_at is not None:
        return CodeOutcome.USED if right else CodeOutcome.WRONG
    # With a ``source`` (a keyed hash of where the tries come from) each source has its own
    # wrong tries, and the code locks for all only after many sources' worth (code_sources).
    limit = current.max_attempts * (code_sources.SOURCES_BEFORE_LOCK if source else 1)
    if current.attempts >= limit or (
            source and code_sources.source_locked(session, current.id, source,
                                                  current.max_attempts)):
        return CodeOutcome.LOCKED
    if not right:
        session.execute(update(VerificationCode).where(VerificationCode.id == current.id)
                        .values(attempts=VerificationCode.attempts + 1)
                        .execution_options(synchronize_session=False))
        if source:
            code_sources.count_wrong(session, current.id, source)
        session.expire(current)
        return CodeOutcome.WRONG
    if current.expires_at <= now:
        return CodeOutcome.EXPIRED
    used = session.execute(update(VerificationCode).where(
        VerificationCode.id == current.id, VerificationCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    session.expire(current)
    return CodeOutcome.OK if used.rowcount == 1 else CodeOutcome.USED  # type: ignore[attr-defined]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_shop_token(secret: str, customer_number: str, issued_at: datetime) -> str:
    """The token the shop hands a signed-in customer (here for the shop's side and the tests)."""
    payload = _b64(json.dumps({"cn": customer_number, "iat": int(issued_at.timestamp())},
                              separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"v1.{payload}".encode(), hashlib.sha256).digest()
    return f"v1.{payload}.{_b64(signature)}"


def read_shop_token(secret: str, token: str, *, max_age: int, now: datetime) -> str:
    """The customer number a valid token vouches for; raises :class:`TokenError` otherwise."""
    if not secret:
        raise TokenError("no shop token secret configured")
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != "v1":
        raise TokenError("malformed")
    expected = hmac.new(secret.encode(), f"v1.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        given = _unb64(parts[2])
        payload = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if not hmac.compare_digest(expected, given):
        raise TokenError("bad signature")
    if not isinstance(payload, dict) or not str(payload.get("cn", "")).strip():
        raise TokenError("malformed")
    age = now.timestamp() - float(payload.get("iat", 0))
    if age > max_age or age < -60:
        raise TokenError("expired" if age > 0 else "issued in the future")
    return str(payload["cn"]).strip()

