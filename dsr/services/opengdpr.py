"""A processor's verified OpenGDPR status callback, recorded on the notice it answers.

The callback's signature is checked by ``connectors.recipient_api`` before it gets here; this
module only looks the request up by the ``subject_request_id`` the notice was sent with
(``RecipientNotice.external_id``): ``completed`` confirms the notice, every other status is
audited (no personal data). Flushes; the edge commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import append_event
from dsr.models import RecipientNotice
from dsr.services.changes import ChangeInputError, confirm_notice


def record_callback(session: Session, content: Mapping[str, Any], *, connector: str) -> str:
    """Apply a verified callback to the notice it answers; returns the notice's status."""
    external = str(content.get("subject_request_id", ""))
    notice = session.scalars(select(RecipientNotice).where(
        RecipientNotice.connector == connector, RecipientNotice.external_id == external)).first()
    if notice is None:
        raise ChangeInputError(f"no notice of {connector} with request id {external!r}")
    status = str(content.get("request_status", ""))
    if status == "completed":
        confirm_notice(session, notice, actor=f"opengdpr:{connector}")
    else:
        append_event(session, actor=f"opengdpr:{connector}", action="recipient_status",
                     request_id=notice.request_id,
                     details={"recipient": notice.recipient, "status": status})
        session.flush()
    return notice.status
