"""What the coordinator's request page is made of: its sections, the next step a coordinator
must take (with the section where it is taken), and the request's correspondence. Reads only;
the page's handler is ``dsr.requests.views.detail``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.correspondence.models import MessageDraft, OutgoingMail
from dsr.mail.models import InboundMessage
from workflows.states import State


class Section(StrEnum):
    """The request page's sections (tabs), in the order the page shows them."""

    OVERVIEW = "overview"
    IDENTITY = "identity"
    SYSTEMS = "systems"
    DRAFT = "draft"
    CHANGES = "changes"
    CORRESPONDENCE = "correspondence"
    AUDIT = "audit"


#: The sections of someone who sees no request contents (staff): the verification's uploads,
#: the tasks, the recipients' notices, the letters to print, the audit trail.
WITHOUT_CONTENTS = (Section.OVERVIEW, Section.IDENTITY, Section.SYSTEMS, Section.CHANGES,
                    Section.CORRESPONDENCE, Section.AUDIT)


def sections(contents: bool) -> tuple[Section, ...]:
    """The sections shown to a reader who may (``contents``) or may not see the contents."""
    return tuple(Section) if contents else WITHOUT_CONTENTS


@dataclass(frozen=True)
class NextStep:
    """What a coordinator must do next: ``key`` names the text in the catalogs, ``section``
    the part of the page where it is done (None: nothing is left to do)."""

    key: str
    section: Section | None


_BY_STATUS = {
    State.RECEIVED: NextStep("next_received", Section.IDENTITY),
    State.AWAITING_VERIFICATION: NextStep("next_verify", Section.IDENTITY),
    State.VERIFIED: NextStep("next_process", Section.SYSTEMS),
    State.PROCESSING: NextStep("next_processing", Section.SYSTEMS),
    State.REVIEW: NextStep("next_review", Section.DRAFT),
    State.COMPLETED: NextStep("next_completed", None),
    State.REJECTED: NextStep("next_closed", None),
    State.WITHDRAWN: NextStep("next_closed", None),
    State.MERGED: NextStep("next_closed", None),
}


def next_step(status: State, *, released: bool, failed_tasks: int,
              waiting_notices: int) -> NextStep:
    """The coordinator's next step on a request in ``status``: a failed task first (nothing
    moves on until it is retried or waived), then what the status asks for."""
    if failed_tasks and status not in (State.COMPLETED, State.REJECTED, State.WITHDRAWN,
                                       State.MERGED):
        return NextStep("next_failed_task", Section.SYSTEMS)
    if status == State.EXECUTING:
        if not released:
            return NextStep("next_release", Section.DRAFT)
        if waiting_notices:
            return NextStep("next_notices", Section.CHANGES)
        return NextStep("next_executing", Section.SYSTEMS)
    return _BY_STATUS[status]


@dataclass(frozen=True)
class Letter:
    """One item of a request's correspondence, oldest first: ``direction`` is ``in`` or
    ``out``; ``kind`` the mail's template (out) or the channel (in)."""

    at: datetime
    direction: str
    kind: str
    subject: str
    sender: str


def correspondence(session: Session, request_id: int) -> list[Letter]:
    """The messages of a request, in and out, by time (the letters are its documents)."""
    found = [Letter(m.created_at, "out", m.template, "", "") for m in session.scalars(
        select(OutgoingMail).where(OutgoingMail.request_id == request_id))]
    found += [Letter(m.received_at, "in", m.channel, m.subject, m.from_name or m.from_address)
              for m in session.scalars(select(InboundMessage).where(
                  InboundMessage.request_id == request_id))]
    return sorted(found, key=lambda letter: letter.at)


def edited_messages(session: Session, request_id: int) -> list[MessageDraft]:
    """The messages a coordinator edited before they went out (or before they go)."""
    return list(session.scalars(select(MessageDraft).where(MessageDraft.request_id == request_id)
                                .order_by(MessageDraft.edited_at)))
