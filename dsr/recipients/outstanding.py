"""The notices to recipients still waiting for their confirmation, across requests: what the
service desk works through (the brief: staff record recipients' confirmations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.changes.models import RecipientNotice
from dsr.requests.models import Request
from workflows.deadlines import BERLIN


@dataclass(frozen=True)
class WaitingNotice:
    """One unconfirmed notice, with how long it has waited."""

    id: int
    request_id: int
    reference: str
    recipient: str
    channel: str
    sent_at: datetime | None
    days_waiting: int
    external_status: str | None
    reminded_at: datetime | None


def waiting_notices(session: Session, today: date) -> list[WaitingNotice]:
    """Every notice waiting for confirmation, longest waiting first."""
    rows = session.execute(
        select(RecipientNotice, Request.reference)
        .join(Request, Request.id == RecipientNotice.request_id)
        .where(RecipientNotice.status == "waiting")
        .order_by(RecipientNotice.sent_at, RecipientNotice.id)).all()
    found = []
    for notice, reference in rows:
        sent = notice.sent_at.astimezone(BERLIN).date() if notice.sent_at else today
        found.append(WaitingNotice(notice.id, notice.request_id, reference, notice.recipient,
                                   notice.channel, notice.sent_at, (today - sent).days,
                                   notice.external_status, notice.reminded_at))
    return found
