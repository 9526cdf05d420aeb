"""Wrong tries at a verification code, counted per source.

A request's reference is not a secret (the requester, who may not be the subject, sees it), so
anyone could try codes on the page the code e-mail links to. Counting wrong tries per source
keeps each stranger to ``max_attempts`` guesses while the subject's own tries stay open; a
code is locked for everyone only after :data:`SOURCES_BEFORE_LOCK` sources' worth of wrong
tries (guessing from that many addresses). Codes issued are capped per rolling
:data:`ISSUE_WINDOW`, so pressing "new code" uses up nothing for good.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.security.models import CodeAttempts

SOURCES_BEFORE_LOCK = 20
ISSUE_WINDOW = timedelta(hours=24)


def source_locked(session: Session, code_id: int, source: str, max_attempts: int) -> bool:
    """True when this source has used up its wrong tries at this code."""
    row = _row(session, code_id, source)
    return row is not None and row.attempts >= max_attempts


def count_wrong(session: Session, code_id: int, source: str) -> None:
    """One more wrong try from ``source``. Flushes."""
    row = _row(session, code_id, source)
    if row is None:
        row = CodeAttempts(code_id=code_id, source_hash=source, attempts=0)
        session.add(row)
    row.attempts += 1
    session.flush()


def _row(session: Session, code_id: int, source: str) -> CodeAttempts | None:
    return session.scalars(select(CodeAttempts).where(CodeAttempts.code_id == code_id,
                                                      CodeAttempts.source_hash == source)).first()
