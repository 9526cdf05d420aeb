"""Facts the answer states besides the data: which systems were searched (and which could not
be searched in time, their collect task waived by a coordinator), and as of when the register
it quotes is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.register.store import InForce
from workflows.kinds import TaskKind
from workflows.models import Task, TaskStatus

if TYPE_CHECKING:
    from dsr.context import Services


def systems(services: Services, session: Session, request_id: int, lang: str) -> dict[str, Any]:
    """The systems whose data the answer holds (``searched``) and those whose search a
    coordinator waived (``not_searched``: their data follows), by label in ``lang``. The
    coordinator's reason stays on the task: the answer does not quote it."""
    tasks = session.scalars(select(Task).where(Task.request_id == request_id,
                                               Task.kind == TaskKind.COLLECT).order_by(Task.id)).all()
    newest = {task.connector: task for task in tasks}

    def label(name: str) -> str:
        settings = services.config.connectors.get(name) or {}
        return str((settings.get("label") or {}).get(lang) or name)

    searched = [label(n) for n, t in newest.items() if t.status == TaskStatus.DONE.value
                and (t.result or {}).get("why") != "not_needed"]
    waived = [label(n) for n, t in newest.items() if t.status == TaskStatus.WAIVED.value]
    return {"searched": searched, "not_searched": waived}


def register_as_of(register: InForce, path: Path) -> dict[str, Any]:
    """The register version an answer quotes, as a reader names it: its number and the date it
    was saved; the TOML file (no version saved yet) by the date it was last changed."""
    if register.number is not None:
        return {"number": register.number, "date": (register.created_at or "")[:10] or None}
    try:
        changed = datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
    except OSError:
        changed = None
    return {"number": None, "date": changed}
