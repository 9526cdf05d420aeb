"""Outgoing correspondence as text **and** HTML, and the coordinator's edit of one message.

Every template is ``templates/mail/<lang>/<name>.txt`` (first line ``Subject: ...``); the HTML
part is the same text in ``templates/mail/layout.html`` (paragraphs, lists, links), so the two
parts never say different things. A coordinator may preview an outgoing message of a request
and edit it once before it goes; the edit is stored as a :class:`MessageDraft` and audited
(by hash, without the text), and the edited text is what is sent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.correspondence.models import MessageDraft
from dsr.rendering import english_date, render_mail, template_env
from dsr.requests.models import Request

if TYPE_CHECKING:
    pass

EDITABLE = ("answer", "refusal", "partial_refusal", "contest_outcome", "confirm_erasure",
            "confirm_rectification", "confirm_restriction", "confirm_objection",
            "confirm_consent_withdrawal", "restriction_lift_notice")
_URL = re.compile(r"(https?://[^\s<>\"]+)")


class DraftError(ValueError):
    """The edit cannot be stored; the message says why."""


@dataclass(frozen=True)
class Rendered:
    """One message ready to send."""

    subject: str
    text: str
    html: str


def to_html(subject: str, text: str, language: str) -> str:
    """The HTML part: the text's paragraphs and ``- `` lists, escaped, links clickable."""
    blocks: list[dict[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = chunk.splitlines()
        if lines and all(line.lstrip().startswith("- ") for line in lines):
            blocks.append({"items": [_linked(line.lstrip()[2:]) for line in lines]})
        else:
            blocks.append({"lines": [_linked(line) for line in lines]})
    return template_env().get_template("mail/layout.html").render(
        subject=subject, blocks=blocks, language=language)


def _linked(line: str) -> Markup:
    parts = _URL.split(line)
    return Markup("").join(Markup(f'<a href="{escape(p)}">{escape(p)}</a>') if i % 2 else escape(p)
                           for i, p in enumerate(parts))




def render(template: str, language: str, **context: Any) -> Rendered:
    """Render ``template`` in ``language`` (strict: a missing value is an error)."""
    subject, text = render_mail(template, language, **context)
    return Rendered(subject, text, to_html(subject, text, language))


def draft_for(session: Session, request_id: int, template: str) -> MessageDraft | None:
    """The coordinator's edit of this request's message, if there is one not yet sent."""
    return session.scalars(select(MessageDraft).where(
        MessageDraft.request_id == request_id, MessageDraft.template == template,
        MessageDraft.sent_at.is_(None))).first()


class _Marker:
    """Stands in for a date that is only known when the message is sent."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def strftime(self, _: str) -> str:
        return self.marker


#: Values known only at sending time, shown as markers in the preview; an edited text keeps
#: the markers and they are filled in when it is sent.
MARKERS = {"answer": {"link": "[LINK]", "expires": "[EXPIRES]"},
           "restriction_lift_notice": {"lift_on": "[LIFT_ON]"}}


def preview_context(template: str) -> dict[str, Any]:
    """Stand-ins for the values a preview cannot know yet (the portal link, its expiry)."""
    return {key: _Marker(mark) if key in ("expires", "lift_on") else mark
            for key, mark in MARKERS.get(template, {}).items()}


def _fill(text: str, template: str, language: str, context: dict[str, Any]) -> str:
    for key, mark in MARKERS.get(template, {}).items():
        value = context.get(key)
        if isinstance(value, date):  # a datetime is a date too
            value = value.strftime("%d.%m.%Y") if language == "de" else english_date(value)
        text = text.replace(mark, str(value))
    return text


def with_draft(session: Session, request: Request, template: str, rendered: Rendered,
               language: str, context: dict[str, Any] | None = None) -> Rendered:
    """The message as the coordinator edited it (markers filled in, marked sent), else as
    rendered."""
    draft = draft_for(session, request.id, template)
    if draft is None:
        return rendered
    draft.sent_at = clock_of(session).now()
    text = _fill(draft.body, template, language, context or {})
    subject = _fill(draft.subject, template, language, context or {})
    return Rendered(subject, text, to_html(subject, text, language))


def save_draft(session: Session, request: Request, template: str, *, subject: str, body: str,
               actor: str, user_id: int | None) -> MessageDraft:
    """Store the coordinator's edit of one outgoing message; audited with the text's hash."""
    if template not in EDITABLE:
        raise DraftError(f"template: one of {', '.join(EDITABLE)}")
    subject, body = subject.strip(), body.replace("\r\n", "\n").strip() + "\n"
    if not subject or len(subject) > 200:
        raise DraftError("subject: between 1 and 200 characters")
    if len(body) < 20 or len(body) > 20000:
        raise DraftError("text: between 20 and 20,000 characters")
    missing = [m for m in MARKERS.get(template, {}).values() if m not in body]
    if missing:
        raise DraftError(f"text: keep the markers {', '.join(missing)} (filled in when sent)")
    draft = draft_for(session, request.id, template)
    if draft is None:
        if session.scalar(select(MessageDraft.id).where(MessageDraft.request_id == request.id,
                                                        MessageDraft.template == template)):
            raise DraftError("this message has been sent already")
        draft = MessageDraft(request_id=request.id, template=template, subject=subject, body=body)
        session.add(draft)
    draft.subject, draft.body = subject, body
    draft.edited_by_id, draft.edited_at = user_id, clock_of(session).now()
    session.flush()
    append_event(session, actor=actor, action=AuditAction.MESSAGE_EDITED, request_id=request.id,
                 details={"template": template,
                          "sha256": hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest()})
    return draft
