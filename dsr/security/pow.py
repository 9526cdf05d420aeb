"""Proof of work instead of a hard refusal once a client has used up its submission budget.

A household or a carrier's NAT shares one address; refusing the address would refuse all of
them. Past the limit the form comes back, with what was typed, and a challenge: the browser
finds a number ``n`` such that SHA-256 of ``"<challenge>:<n>"`` starts with ``difficulty``
zero bits (a second or two for one person, costly for a flood). The challenge is signed by
the service (no third-party service), expires after :data:`MAX_AGE` and each one is taken
once: :class:`SpentChallenges` remembers it in the service database until it would have expired,
so a solution replayed against another web process (gunicorn's workers) is refused as well.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from dsr.security.models import SpentChallenge

if TYPE_CHECKING:
    from dsr.db import Database

DIFFICULTY = 18  # ~260,000 hashes on average: about a second in a browser
MAX_AGE = 600  # seconds


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="dsr-proof-of-work")


def make_challenge(secret: str, now: datetime, difficulty: int = DIFFICULTY) -> str:
    """A new signed challenge (random nonce, issue time, difficulty)."""
    return str(_serializer(secret).dumps({"n": secrets.token_hex(12), "t": int(now.timestamp()),
                                          "d": difficulty}))


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        bits += 8 - byte.bit_length()
        break
    return bits


def solves(challenge: str, solution: str, difficulty: int) -> bool:
    digest = hashlib.sha256(f"{challenge}:{solution}".encode()).digest()
    return leading_zero_bits(digest) >= difficulty


def solve(challenge: str, difficulty: int) -> str:
    """Find a solution (what the browser's script does; used by tests and scripts)."""
    number = 0
    while not solves(challenge, str(number), difficulty):
        number += 1
    return str(number)


class SpentChallenges:
    """Challenges already taken, in the service database (every web process sees them)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def take(self, challenge: str, issued: int, now: int) -> bool:
        """Mark ``challenge`` spent, in a transaction of its own (a form refused afterwards
        does not give the challenge back); False if it was spent before."""
        digest = hashlib.sha256(challenge.encode()).hexdigest()
        moment = datetime.fromtimestamp(now, UTC)
        try:
            with self._db.session() as session:
                session.execute(delete(SpentChallenge).where(SpentChallenge.expires_at < moment))
                session.add(SpentChallenge(digest=digest, expires_at=datetime.fromtimestamp(
                    issued + MAX_AGE, UTC)))
        except IntegrityError:
            return False
        return True


def accept(secret: str, challenge: str, solution: str, now: datetime,
           spent: SpentChallenges) -> bool:
    """True for a valid, unexpired, solved challenge not taken before (it is taken now)."""
    if not challenge or not solution or len(solution) > 20 or not solution.isdigit():
        return False
    try:
        data = _serializer(secret).loads(challenge)
    except BadSignature:
        return False
    if not isinstance(data, dict):
        return False
    issued, difficulty = int(data.get("t", 0)), int(data.get("d", DIFFICULTY))
    age = int(now.timestamp()) - issued
    if age < 0 or age > MAX_AGE or difficulty < DIFFICULTY:
        return False
    if not solves(challenge, solution, difficulty):
        return False
    return spent.take(challenge, issued, int(now.timestamp()))
