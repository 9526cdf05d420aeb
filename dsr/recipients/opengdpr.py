"""What a processor's OpenGDPR status means for the service: a verified callback or a polled
status, recorded on the question it answers.

The callback's signature is checked by ``connectors.opengdpr`` before it gets here. The
question is found by its ``subject_request_id`` (``<reference>-<type>``, see
``connectors.recipient_api.request_id``): an erasure's is a ``RecipientNotice`` (``completed``
confirms it; another status is audited once when it changes — never personal data); an access
or portability question belongs to the request's ``collect`` task of that connector, which is
made due at once so that it fetches the results. Flushes; the edge commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.recipient_api import split_request_id
from dsr.audit import AuditAction, append_event
from dsr.changes.models import RecipientNotice
from dsr.changes.operations import ChangeInputError, confirm_notice
from dsr.requests.models import Request
from workflows import outbox
from workflows.models import Task

ACCESS_TYPES = ("access", "portability")


def record_callback(session: Session, content: Mapping[str, Any], *, connector: str) -> str:
    """Apply a verified status to the question it answers; returns ``confirmed`` or
    ``waiting`` for an erasure, ``due`` or ``waiting`` for an access question. Raises
    :class:`ChangeInputError` for an id the service never sent."""
    external = str(content.get("subject_request_id", ""))
    status = str(content.get("request_status", ""))
    notice = session.scalars(select(RecipientNotice).where(
        RecipientNotice.connector == connector, RecipientNotice.external_id == external)).first()
    if notice is not None:
        return apply_status(session, notice, status, connector)
    reference, kind = split_request_id(external)
    task = _collect_task(session, reference, connector) if kind in ACCESS_TYPES else None
    if task is None:
        raise ChangeInputError(f"no question of {connector} with request id {external!r}")
    if status == "completed":
        outbox.make_due(session, task)
    append_event(session, actor=f"opengdpr:{connector}", action=AuditAction.RECIPIENT_STATUS,
                 request_id=task.request_id, details={"connector": connector, "type": kind,
                                                      "status": status})
    session.flush()
    return "due" if status == "completed" else "waiting"


def apply_status(session: Session, notice: RecipientNotice, status: str, connector: str) -> str:
    """Record the processor's status on the notice: ``completed`` confirms it, any other
    status is audited when it changes. Returns the notice's status. The actor is the
    notice's channel and connector (``opengdpr:fulfilment``, ``http_api:segment``)."""
    changed = notice.external_status != status
    notice.external_status = status
    actor = f"{'http_api' if notice.channel == 'http_api' else 'opengdpr'}:{connector}"
    if status == "completed":
        confirm_notice(session, notice, actor=actor)
    elif changed:
        append_event(session, actor=actor, action=AuditAction.RECIPIENT_STATUS,
                     request_id=notice.request_id,
                     details={"recipient": notice.recipient, "status": status})
    session.flush()
    return notice.status


def _collect_task(session: Session, reference: str, connector: str) -> Task | None:
    request_id = session.scalar(select(Request.id).where(Request.reference == reference))
    if request_id is None:
        return None
    return session.scalars(select(Task).where(
        Task.request_id == request_id, Task.connector == connector,
        Task.kind == "collect")).first()
