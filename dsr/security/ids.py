"""Ids in URLs: the largest internal number any supported database stores, and the lookup of a
request by its opaque public reference or its internal number."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

#: PostgreSQL's ``integer`` ends at 2^31 - 1 (SQLite's at 2^63 - 1): a larger number names
#: nothing, so it is answered "not found" before any database sees it.
MAX_ID = 2**31 - 1
REFERENCE = re.compile(r"DSR-[A-Z0-9]{4,20}")


def valid_id(value: int) -> bool:
    """True for a number that can be an internal id."""
    return 0 < value <= MAX_ID


def load_request(session: Session, key: str) -> Any:
    """The request with public reference ``key`` (``DSR-…``) or internal number ``key``."""
    from dsr.requests.models import Request

    if REFERENCE.fullmatch(key.upper()):
        return session.scalars(select(Request).where(Request.reference == key.upper())).first()
    if key.isascii() and key.isdigit() and len(key) <= 10 and valid_id(int(key)):
        return session.get(Request, int(key))
    return None
