"""Internal notes on a request: what coordinators tell each other about it ("called the
customer, the ID copy comes by post"). Notes are shown on the request page only; no answer,
export, letter or message to the data subject reads them. Each note added is audited
(``note_added``, with the note's id, never its text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.errors import ServiceError
from dsr.requests.models import Request, RequestNote
from dsr.users.models import User

#: The longest note, in characters.
MAX_LENGTH = 5000


class NoteError(ServiceError):
    """A note is empty or too long."""


@dataclass(frozen=True)
class Note:
    """A note as the request page shows it: the text, who wrote it (None: a user since
    removed) and when (the service's clock)."""

    id: int
    body: str
    author: str | None
    created_at: datetime


def add_note(session: Session, request: Request, body: str, *, author_id: int,
             actor: str) -> RequestNote:
    """Add the note ``body`` by the user ``author_id`` to ``request``; audited, flushes.
    Refuses an empty note and one longer than :data:`MAX_LENGTH`."""
    text = body.strip().replace("\r\n", "\n")
    if not text:
        raise NoteError("note: empty", msgid="err_note_empty")
    if len(text) > MAX_LENGTH:
        raise NoteError("note: longer than {max} characters", msgid="err_note_long",
                        max=MAX_LENGTH)
    note = RequestNote(request_id=request.id, author_id=author_id, body=text)
    session.add(note)
    session.flush()
    append_event(session, actor=actor, action=AuditAction.NOTE_ADDED, request_id=request.id,
                 details={"note": note.id})
    return note


def notes_of(session: Session, request_id: int) -> list[Note]:
    """The request's notes, newest first, with their authors' names."""
    rows = session.execute(
        select(RequestNote, User.username).outerjoin(User, User.id == RequestNote.author_id)
        .where(RequestNote.request_id == request_id)
        .order_by(RequestNote.created_at.desc(), RequestNote.id.desc()))
    return [Note(note.id, note.body, name, note.created_at) for note, name in rows]
