"""What the coordinator's request page is made of: its sections, the next step a coordinator
must take (with the section where it is taken), and the request's correspondence. Reads only;
the page's handler is ``dsr.requests.views.detail``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.changes import CHANGE_TYPES
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


#: The buttons a next step names, by their message ids: the page's buttons read the same ids,
#: so the text and the button it names cannot drift apart.
VERIFY, PROCESS = "action_verify", "action_process"
EXECUTE, DECIDE, RELEASE = "safe_button_execute", "safe_button_decide", "safe_button_release"
RETRY, WAIVE, CONFIRM_NOTICE = "retry", "waive", "ch_confirm_save"


def approve_button(types: Iterable[str]) -> str:
    """The first irreversible step's button: "carry out the changes" for a request that
    changes data, "record the decisions" for one that only answers (access, portability)."""
    return EXECUTE if set(types) & set(CHANGE_TYPES) else DECIDE


@dataclass(frozen=True)
class NextStep:
    """What a coordinator must do next: ``key`` names the text in the catalogs, ``section``
    the part of the page where it is done (None: nothing is left to do), ``buttons`` the
    message ids of the buttons the text names, filled in as ``{button}`` and ``{button2}``."""

    key: str
    section: Section | None
    buttons: tuple[str, ...] = ()


_BY_STATUS = {
    State.RECEIVED: NextStep("next_received", Section.IDENTITY),
    State.AWAITING_VERIFICATION: NextStep("next_verify", Section.IDENTITY, (VERIFY,)),
    State.VERIFIED: NextStep("next_process", Section.SYSTEMS, (PROCESS,)),
    State.PROCESSING: NextStep("next_processing", Section.SYSTEMS),
    State.COMPLETED: NextStep("next_completed", None),
    State.REJECTED: NextStep("next_closed", None),
    State.WITHDRAWN: NextStep("next_closed", None),
    State.MERGED: NextStep("next_closed", None),
}


def next_step(status: State, *, released: bool, failed_tasks: int,
              waiting_notices: int, changes: bool) -> NextStep:
    """The coordinator's next step on a request in ``status``: a failed task first (nothing
    moves on until it is retried or waived), then what the status asks for; ``changes``: the
    request changes data (its approve button reads "carry out the changes")."""
    approve = EXECUTE if changes else DECIDE
    if failed_tasks and status not in (State.COMPLETED, State.REJECTED, State.WITHDRAWN,
                                       State.MERGED):
        return NextStep("next_failed_task", Section.SYSTEMS, (RETRY, WAIVE))
    if status == State.REVIEW:
        return NextStep("next_review", Section.DRAFT, (approve, RELEASE))
    if status == State.EXECUTING:
        if not released:
            return NextStep("next_release", Section.DRAFT, (RELEASE,))
        if waiting_notices:
            return NextStep("next_notices", Section.CHANGES, (CONFIRM_NOTICE,))
        return NextStep("next_executing" if changes else "next_delivering", Section.SYSTEMS,
                        (approve, RELEASE))
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
