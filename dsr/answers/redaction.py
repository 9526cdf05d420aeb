"""Redaction of third parties' data in copies of correspondence (Art. 15(4) GDPR).

The coordinator names a text to black out in one field of one record (a customer-service
e-mail's body) with a reason code. The text is kept only encrypted, so the answer can be
rebuilt; every answer built afterwards has it **replaced** (not covered) by a black bar and
the reason's mark before rendering, so it is in neither the PDF's text layer nor the JSON or
CSV. The audit chain records the redaction without the text.

:func:`redact` and :func:`undo` build the stored answer files (PDF, JSON, export ZIP) again in
the same transaction, so the draft the coordinator previews and the files release hands out
always carry every redaction made so far. Both lock the request row first, as ``release`` and
the compile jobs do, and once the answer is released a redaction is refused: the subject may
already hold the files, and a correction needs a new answer. :func:`ensure_current` is the
delivery's last check that no redaction is newer than the files it hands out.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dsr.answers.models import REDACTION_REASONS, Redaction
from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.crypto import Cipher
from dsr.errors import ServiceError
from dsr.requests.models import Request

if TYPE_CHECKING:
    pass

BAR = "████"
MIN_TERM, MAX_TERM = 2, 500
#: Audit actions that change what the answer blacks out.
CHANGES = (AuditAction.REDACTED, AuditAction.REDACTION_REMOVED)
RELEASED = ("Die Antwort ist bereits herausgegeben; neue Schwärzungen sind nicht mehr möglich. "
            "Für eine Korrektur ist eine neue Antwort nötig. / The answer has been released; "
            "it can no longer be redacted. A correction needs a new answer.")


class RedactionError(ServiceError):
    """The redaction cannot be made; the message says why (never repeats the text)."""


def mark(reason: str) -> str:
    """The mark a reason gets in the copy: ``████ [1]`` for the first reason code."""
    return f"{BAR} [{REDACTION_REASONS.index(reason) + 1}]"


def _find(collected: list[dict[str, Any]], system: str, table: str, row_key: str,
          column: str) -> tuple[list[Any], int] | None:
    """The row (a mutable list) and the column's index, or None."""
    for found in collected:
        if found["connector"] != system:
            continue
        for spec in found["tables"]:
            if spec["table"] != table or spec.get("recipient_only"):
                continue
            names = [c["name"] for c in spec["columns"]]
            if column not in names:
                return None
            for row in spec["rows"]:
                if row and str(row[0]) == row_key:
                    return row, names.index(column)
    return None


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(re.escape(term), re.IGNORECASE)


def lock_request(session: Session, request: Request) -> None:
    """Write the request row (a row lock on PostgreSQL, the write lock on SQLite) and read it
    again: redactions, release and the jobs that build the answer take turns, and whichever
    comes second sees what the other committed: one statement where the database returns
    updated rows (PostgreSQL, SQLite), an update and a read where it does not."""
    touch = update(Request).where(Request.id == request.id).values(
        updated_at=clock_of(session).now())
    if session.connection().dialect.update_returning:
        session.scalars(touch.returning(Request).execution_options(populate_existing=True)).all()
        return
    session.execute(touch)
    session.refresh(request)


def add(session: Session, cipher: Cipher, request: Request, collected: list[dict[str, Any]], *,
        system: str, table: str, row_key: str, column: str, term: str, reason: str,
        actor: str, user_id: int | None) -> Redaction:
    """Record a redaction of every occurrence of ``term`` in one field; flushes.

    Raises :class:`RedactionError` for an unknown reason, a field that is not in the
    subject's data, or a text that does not occur in it.
    """
    term = term.strip()
    lock_request(session, request)
    if request.released_at is not None:
        raise RedactionError(RELEASED, msgid="err_redaction_released")
    if reason not in REDACTION_REASONS:
        raise RedactionError("reason: one of {reasons}", msgid="err_redaction_reason",
                             reasons=", ".join(REDACTION_REASONS))
    if not MIN_TERM <= len(term) <= MAX_TERM:
        raise RedactionError("text: between {min} and {max} characters", msgid="err_redaction_length",
                             min=MIN_TERM, max=MAX_TERM)
    found = _find(collected, system, table, row_key, column)
    if found is None:
        raise RedactionError("that record or field is not in the subject's data",
                             msgid="err_not_subject_data")
    row, index = found
    count = len(_pattern(term).findall(str(row[index] or "")))
    if count == 0:
        raise RedactionError("the text does not occur in that field", msgid="err_text_not_in_field")
    item = Redaction(request_id=request.id, system=system, table_name=table, row_key=row_key,
                     column=column, reason=reason, occurrences=count, created_by_id=user_id,
                     term_encrypted=cipher.encrypt(term.encode("utf-8")).decode("ascii"))
    session.add(item)
    session.flush()
    append_event(session, actor=actor, action=AuditAction.REDACTED, request_id=request.id,
                 details={"redaction": item.id, "table": table, "column": column,
                          "reason": reason, "occurrences": count})
    return item


def remove(session: Session, request: Request, redaction_id: int, *, actor: str) -> None:
    """Undo a redaction before the answer is released (the removal is audited)."""
    item = session.get(Redaction, redaction_id)
    if item is None or item.request_id != request.id:
        raise RedactionError("no such redaction on this request", msgid="err_no_such_redaction")
    lock_request(session, request)
    if request.released_at is not None:
        raise RedactionError("the answer has been released; its redactions stay",
                             msgid="err_redactions_stay")
    session.delete(item)
    append_event(session, actor=actor, action=AuditAction.REDACTION_REMOVED, request_id=request.id,
                 details={"redaction": redaction_id})
    session.flush()










def for_request(session: Session, request_id: int) -> list[Redaction]:
    """The request's redactions, oldest first."""
    return list(session.scalars(select(Redaction).where(Redaction.request_id == request_id)
                                .order_by(Redaction.id)))


def apply(session: Session, cipher: Cipher, request: Request,
          collected: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A copy of ``collected`` with every redaction burned in, and the legend (reason, mark,
    number of places) for the answer; ``collected`` itself is left as it was."""
    items = for_request(session, request.id)
    if not items:
        return collected, []
    result = copy.deepcopy(collected)
    counts: dict[str, int] = {}
    for item in items:
        found = _find(result, item.system, item.table_name, item.row_key, item.column)
        if found is None:
            continue
        row, index = found
        term = cipher.decrypt(item.term_encrypted.encode("ascii")).decode("utf-8")
        text, n = _pattern(term).subn(mark(item.reason), str(row[index] or ""))
        row[index] = text
        counts[item.reason] = counts.get(item.reason, 0) + n
    legend = [{"reason": r, "mark": str(REDACTION_REASONS.index(r) + 1), "count": n}
              for r, n in sorted(counts.items(), key=lambda kv: REDACTION_REASONS.index(kv[0]))]
    return result, legend
