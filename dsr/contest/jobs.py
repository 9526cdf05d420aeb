"""Jobs of contesting an automated decision (Art. 22(3) GDPR); registered with ``@job`` from
``workflows.jobs``: the human review's outcome in writing, after release."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from dsr.contest import operations as contest
from dsr.requests.subjects import load_request
from workflows.jobs import job
from workflows.models import Task, TaskKind

if TYPE_CHECKING:
    from dsr.context import Services


@job(TaskKind.NOTIFY_CONTEST)
def notify_contest(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Send the review's outcome (upheld or changed, reasons, the payment options offered, the
    reviewer's role, the remedies) by e-mail to the address on file, or as a letter for a
    postal request; once, however often the task runs."""
    return contest.send_outcome(services, session, load_request(session, task))
