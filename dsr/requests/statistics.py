"""Request volume and timeliness for the coordinator's overview: how many requests came in per
week (by kind and channel), how many were answered within their deadline and how long that took.
Counts only, no personal data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditEvent
from dsr.requests.models import Request
from workflows.deadlines import BERLIN

GROUPS = {"access": "disclose", "portability": "disclose", "rectification": "change",
          "restriction": "change", "erasure": "change", "objection": "stop",
          "consent_withdrawal": "stop", "contest_decision": "contest"}
"""Request types in four groups for the chart: disclose, change, stop (advertising, consent),
contest (an automated decision)."""
GROUP_ORDER = ("disclose", "change", "stop", "contest")


@dataclass
class Week:
    """One ISO week: its Monday and the requests received, by group."""

    monday: date
    by_group: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_group.values())


@dataclass
class Statistics:
    weeks: list[Week]
    by_channel: Counter[str]
    completed: int
    on_time: int
    median_days: float | None
    open_overdue: int

    @property
    def busiest(self) -> int:
        return max((w.total for w in self.weeks), default=0)


def _group(types: list[str]) -> str:
    """The request's group: the first of its types in chart order."""
    groups = {GROUPS.get(t, "disclose") for t in types}
    return next((g for g in GROUP_ORDER if g in groups), "disclose")


def request_statistics(session: Session, today: date, weeks: int = 12) -> Statistics:
    """The last ``weeks`` ISO weeks up to ``today`` (Europe/Berlin dates)."""
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    grid = [Week(first + timedelta(weeks=i)) for i in range(weeks)]
    channels: Counter[str] = Counter()
    rows = session.execute(select(Request.id, Request.types, Request.channel,
                                  Request.received_at, Request.status, Request.due_on,
                                  Request.extended_due_on)).all()
    deadline = {}
    overdue = 0
    for rid, types, channel, received, status, due, extended in rows:
        deadline[rid] = (received.astimezone(BERLIN).date(), extended or due)
        day = received.astimezone(BERLIN).date()
        if day >= first:
            grid[(day - first).days // 7].by_group[_group(list(types or []))] += 1
            channels[channel] += 1
        if status not in ("completed", "rejected", "withdrawn", "merged") and \
                (extended or due) < today:
            overdue += 1
    done = session.execute(select(AuditEvent.request_id, AuditEvent.created_at).where(
        AuditEvent.to_state == "completed", AuditEvent.request_id.is_not(None))).all()
    days, on_time = [], 0
    for rid, at in done:
        if rid not in deadline:
            continue
        received, due = deadline[rid]
        finished = at.astimezone(BERLIN).date()
        days.append((finished - received).days)
        on_time += finished <= due
    return Statistics(grid, channels, len(days), on_time,
                      float(median(days)) if days else None, overdue)
