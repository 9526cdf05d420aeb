"""What the customer's status page says once a request is decided: what was done for each
right asked for, and where the answer is (the portal and until when, an e-mail, a letter).
No personal data: decisions, dates and counts only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.answers.models import Delivery
from dsr.clock import clock_of
from dsr.requests.models import Request


@dataclass(frozen=True)
class Outcome:
    """One right as decided: granted, partly granted or refused, and the norm relied on."""

    right: str
    outcome: str
    norm: str


@dataclass(frozen=True)
class AnswerPlace:
    """Where the answer went: ``method`` portal, email or letter, when, and for the portal
    until when it can be opened and how many visits are left."""

    method: str
    sent_at: datetime | None
    expires_at: datetime | None = None
    visits_left: int = 0
    open_now: bool = False


@dataclass(frozen=True)
class Whereabouts:
    """Everything the status page shows after the decision."""

    outcomes: list[Outcome]
    answer: AnswerPlace | None
    released_at: datetime | None


def _outcomes(request: Request) -> list[Outcome]:
    # The newest decision per right (and category "*" first): what the customer asked for.
    latest: dict[str, Outcome] = {}
    for decision in sorted(request.decisions, key=lambda d: (d.decided_at, d.id)):
        if decision.category in ("*", "") or decision.right not in latest:
            latest[decision.right] = Outcome(decision.right, decision.outcome, decision.norm)
    return [latest[t] for t in request.types if t in latest]


def _place(session: Session, request: Request) -> AnswerPlace | None:
    sent = session.scalars(select(Delivery).where(Delivery.request_id == request.id,
                                                  Delivery.sent_at.is_not(None))
                           .order_by(Delivery.id.desc()).limit(1)).first()
    if sent is None:
        return None
    if sent.method != "portal":
        return AnswerPlace(method=sent.method, sent_at=sent.sent_at)
    now = clock_of(session).now()
    open_now = sent.files_deleted_at is None and (sent.expires_at is None or now < sent.expires_at)
    return AnswerPlace(method="portal", sent_at=sent.sent_at, expires_at=sent.expires_at,
                       visits_left=max(0, sent.max_downloads - sent.downloads), open_now=open_now)


def whereabouts(session: Session, request: Request) -> Whereabouts:
    """What was done and where the answer is, for the customer's status page."""
    return Whereabouts(outcomes=_outcomes(request), answer=_place(session, request),
                       released_at=request.released_at)
