"""Facts the answer states besides the data: which systems were searched (and which could not
be searched in time, their collect task waived by a coordinator), and as of when the register
it quotes is."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.register.store import InForce
from workflows.models import Task, TaskStatus
from workflows.results import NOT_NEEDED, TaskResult

if TYPE_CHECKING:
    from dsr.context import Services


def systems(services: Services, session: Session, request_id: int, lang: str) -> dict[str, Any]:
    """The systems whose data the answer holds (``searched``) and those whose search a
    coordinator waived (``not_searched``: their data follows), by label in ``lang``. The
    coordinator's reason stays on the task: the answer does not quote it."""
    tasks = session.scalars(select(Task).where(Task.request_id == request_id,
                                               Task.kind == "collect").order_by(Task.id)).all()
    newest = {task.connector: task for task in tasks}

    def label(name: str) -> str:
        settings = services.config.connectors.get(name) or {}
        return str((settings.get("label") or {}).get(lang) or name)

    searched = [label(n) for n, t in newest.items() if t.status == TaskStatus.DONE.value
                and TaskResult.of(t).why != NOT_NEEDED]
    waived = [label(n) for n, t in newest.items() if t.status == TaskStatus.WAIVED.value]
    return {"searched": searched, "not_searched": waived}


def register_as_of(register: InForce, today: date) -> dict[str, Any]:
    """The register version an answer quotes, as a reader names it: its number and the date it
    was saved; the TOML file (no version saved yet) as it stands on the day the answer is
    made (the service clock's day: a file's own date says when it was copied, not changed)."""
    if register.number is not None:
        return {"number": register.number, "date": (register.created_at or "")[:10] or None}
    return {"number": None, "date": today.isoformat()}
